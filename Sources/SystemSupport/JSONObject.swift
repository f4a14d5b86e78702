/// A JSON object read into a type field by field, knowing where it is in its document so that an error names the
/// field: `order.status_history[1].entered_at: expected a string, found a number`.
///
/// A field that is absent and one that is `null` read the same: `nil` from the `optional…` readers, an error from
/// the others (as `JSONDecoder`'s `decodeIfPresent` and `decode` do). Fields the reader does not ask for are ignored.
///
/// ```swift
/// let line = try JSONObject(JSONValue.parse(bytes))
/// let sku = try line.string("sku")
/// let quantity = try line.int("quantity")
/// ```
public struct JSONObject: Sendable {
    /// The object's members, by name.
    public let members: [String: JSONValue]
    /// Where the object is in its document (`order.order_lines[0]`); empty for the document itself.
    public let path: String

    /// Why a document that is JSON does not hold what its reader expects.
    public struct Mismatch: Error, CustomStringConvertible {
        /// The field, as ``JSONObject/path`` names it.
        public var path: String
        /// What is wrong with it.
        public var problem: String

        /// A mismatch at `path`.
        public init(path: String, problem: String) {
            self.path = path
            self.problem = problem
        }

        /// `path: problem`, or the problem alone for the document itself.
        public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
    }

    /// `value` as an object at `path`.
    ///
    /// - Throws: ``Mismatch`` when `value` is not an object.
    public init(_ value: JSONValue, path: String = "") throws(Mismatch) {
        guard case .object(let members) = value else {
            throw Mismatch(path: path, problem: "expected an object, found \(value.kindName)")
        }
        self.members = members
        self.path = path
    }

    /// The path of the member `key`.
    public func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error at the member `key`.
    public func mismatch(_ key: String, _ problem: String) -> Mismatch {
        Mismatch(path: path(of: key), problem: problem)
    }

    /// The member `key`; `nil` when it is absent or `null`.
    public func value(_ key: String) -> JSONValue? {
        switch members[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    /// A member that must be present and not `null`.
    public func required(_ key: String) throws(Mismatch) -> JSONValue {
        guard let value = value(key) else { throw mismatch(key, "is missing") }
        return value
    }

    // MARK: - Strings, numbers, booleans

    /// A string member; absent, `null` or another type is an error.
    public func string(_ key: String) throws(Mismatch) -> String {
        try string(key, in: required(key))
    }

    /// A string member, `nil` when absent or `null`.
    public func optionalString(_ key: String) throws(Mismatch) -> String? {
        try value(key).map { value throws(Mismatch) in try string(key, in: value) }
    }

    /// An integer member: a JSON number with an integer value that fits an `Int` (`2`, `2.0`, `2e0`).
    public func int(_ key: String) throws(Mismatch) -> Int {
        try int(key, in: required(key))
    }

    /// An integer member, `nil` when absent or `null`.
    public func optionalInt(_ key: String) throws(Mismatch) -> Int? {
        try value(key).map { value throws(Mismatch) in try int(key, in: value) }
    }

    /// The text of a number member, as written, for a caller that reads it exactly (as a `Decimal`).
    public func numberText(_ key: String) throws(Mismatch) -> String {
        guard case .number(_, let text) = try required(key) else {
            throw mismatch(key, "expected a number, found \(members[key]?.kindName ?? "nothing")")
        }
        return text
    }

    /// A boolean member, `nil` when absent or `null`.
    public func optionalBool(_ key: String) throws(Mismatch) -> Bool? {
        switch value(key) {
        case nil: return nil
        case .bool(let flag)?: return flag
        case let other?: throw mismatch(key, "expected a boolean, found \(other.kindName)")
        }
    }

    // MARK: - Objects and arrays

    /// An object member; absent, `null` or another type is an error.
    public func object(_ key: String) throws(Mismatch) -> JSONObject {
        try JSONObject(required(key), path: path(of: key))
    }

    /// An object member, `nil` when absent or `null`.
    public func optionalObject(_ key: String) throws(Mismatch) -> JSONObject? {
        try value(key).map { value throws(Mismatch) in try JSONObject(value, path: path(of: key)) }
    }

    /// The elements of an array member; absent, `null` or another type is an error.
    public func array(_ key: String) throws(Mismatch) -> [JSONValue] {
        guard case .array(let items) = try required(key) else {
            throw mismatch(key, "expected an array, found \(members[key]?.kindName ?? "nothing")")
        }
        return items
    }

    /// The elements of an array member, `nil` when absent or `null`.
    public func optionalArray(_ key: String) throws(Mismatch) -> [JSONValue]? {
        guard value(key) != nil else { return nil }
        return try array(key)
    }

    /// An array member of objects, each read by `read`.
    public func objects<Element>(
        _ key: String, _ read: (JSONObject) throws(Mismatch) -> Element
    ) throws(Mismatch) -> [Element] {
        try elements(key, of: array(key), read)
    }

    /// An array member of objects, each read by `read`; `nil` when absent or `null`.
    public func optionalObjects<Element>(
        _ key: String, _ read: (JSONObject) throws(Mismatch) -> Element
    ) throws(Mismatch) -> [Element]? {
        guard let items = try optionalArray(key) else { return nil }
        return try elements(key, of: items, read)
    }

    /// An array member of strings, `nil` when absent or `null`.
    public func optionalStrings(_ key: String) throws(Mismatch) -> [String]? {
        guard let items = try optionalArray(key) else { return nil }
        return try strings(key, of: items)
    }

    /// An object member of strings (headers, claims, metadata), `nil` when absent or `null`.
    public func optionalStringMap(_ key: String) throws(Mismatch) -> [String: String]? {
        guard let object = try optionalObject(key) else { return nil }
        var strings: [String: String] = [:]
        strings.reserveCapacity(object.members.count)
        for (name, value) in object.members { strings[name] = try object.string(name, in: value) }
        return strings
    }

    /// An object member of string arrays (payload 1.0's multi-value headers), `nil` when absent or `null`.
    public func optionalStringListMap(_ key: String) throws(Mismatch) -> [String: [String]]? {
        guard let object = try optionalObject(key) else { return nil }
        var lists: [String: [String]] = [:]
        lists.reserveCapacity(object.members.count)
        for name in object.members.keys { lists[name] = try object.strings(name, of: object.array(name)) }
        return lists
    }

    // MARK: - Reading one value

    private func string(_ key: String, in value: JSONValue) throws(Mismatch) -> String {
        guard case .string(let text) = value else {
            throw mismatch(key, "expected a string, found \(value.kindName)")
        }
        return text
    }

    private func int(_ key: String, in value: JSONValue) throws(Mismatch) -> Int {
        guard case .number(let number, let text) = value, let integer = Int(text) ?? Int(exactly: number) else {
            throw mismatch(key, "expected an integer, found \(value.kindName)")
        }
        return integer
    }

    private func strings(_ key: String, of items: [JSONValue]) throws(Mismatch) -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(items.count)
        for (index, item) in items.enumerated() { strings.append(try string("\(key)[\(index)]", in: item)) }
        return strings
    }

    private func elements<Element>(
        _ key: String, of items: [JSONValue], _ read: (JSONObject) throws(Mismatch) -> Element
    ) throws(Mismatch) -> [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            elements.append(try read(JSONObject(item, path: "\(path(of: key))[\(index)]")))
        }
        return elements
    }
}

extension JSONValue {
    /// The value's JSON type, for error messages: `a string`, `an object`.
    public var kindName: String {
        switch self {
        case .string: "a string"
        case .number(_, let text): "the number \(text)"
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
