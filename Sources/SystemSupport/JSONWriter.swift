/// Writes JSON text value by value: proxy events and responses, log lines, and orders as stored and answered
/// (``JSONWritable``).
///
/// `JSONEncoder` builds a tree of every value before writing it; for an envelope it cost more than all the rest of a
/// warm invocation's envelope work, and for an order a sixth of a warm `GET /order/{id}`. The text is the one
/// `JSONEncoder` writes with `.sortedKeys` and `.withoutEscapingSlashes`, byte for byte, provided the caller writes
/// an object's fields in the order of their names: so documents written before keep their bytes.
///
/// ```swift
/// var json = JSONWriter()
/// json.object { json in
///     json.field("statusCode", 200)
///     json.field("headers", ["Content-Type": "application/json"])
/// }
/// json.text  // {"statusCode":200,"headers":{"Content-Type":"application/json"}}
/// ```
///
/// Dictionaries are written with their keys sorted, so the same values always give the same text.
public struct JSONWriter: Sendable {
    /// The JSON written so far, UTF-8.
    public private(set) var bytes: [UInt8] = []
    /// A value was written in the current object or array, so the next one needs a comma first.
    private var needsComma = false

    /// An empty writer; write one value (usually an object) into it.
    public init() {}

    /// The JSON written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: - Values

    /// Writes an object whose fields `body` writes.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open("{")
        body(&self)
        close("}")
    }

    /// Writes an array whose elements `body` writes.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        open("[")
        body(&self)
        close("]")
    }

    /// A string, escaped as RFC 8259 requires.
    public mutating func string(_ value: String) {
        separate()
        writeString(value)
        needsComma = true
    }

    /// An integer.
    public mutating func number(_ value: Int) {
        scalar(String(value))
    }

    /// A number whose JSON text the caller made (a `Decimal`'s `description`, say): written as it is.
    ///
    /// - Precondition: `text` is a JSON number.
    public mutating func number(text: String) {
        scalar(text)
    }

    /// A value that writes itself.
    public mutating func value(_ value: some JSONWritable) {
        value.writeJSON(into: &self)
    }

    /// A finite number in its shortest exact form; `null` for infinities and NaN, which JSON cannot hold.
    public mutating func number(_ value: Double) {
        scalar(value.isFinite ? "\(value)" : "null")
    }

    /// `true` or `false`.
    public mutating func bool(_ value: Bool) {
        scalar(value ? "true" : "false")
    }

    /// `null`.
    public mutating func null() {
        scalar("null")
    }

    // MARK: - Fields of an object

    /// Writes a field's name; its value comes next.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string field, `null` when `value` is `nil`.
    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    /// An integer field.
    public mutating func field(_ name: String, _ value: Int) {
        key(name)
        number(value)
    }

    /// A number field; `null` for infinities and NaN.
    public mutating func field(_ name: String, _ value: Double) {
        key(name)
        number(value)
    }

    /// A boolean field.
    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// An object of strings, keys sorted; `null` when `values` is `nil`.
    public mutating func field(_ name: String, _ values: [String: String]?) {
        key(name)
        guard let values else { return null() }
        object { $0.fields(values) }
    }

    /// One string field per entry of `values`, in the order of their names, into the current object.
    public mutating func fields(_ values: [String: String]) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { field(name, value) }
    }

    /// An object of string arrays, keys sorted; `null` when `values` is `nil`.
    public mutating func field(_ name: String, _ values: [String: [String]]?) {
        key(name)
        guard let values else { return null() }
        object { json in
            for (key, list) in values.sorted(by: { $0.key < $1.key }) { json.field(key, list) }
        }
    }

    /// An array of strings; `null` when `values` is `nil`.
    public mutating func field(_ name: String, _ values: [String]?) {
        key(name)
        guard let values else { return null() }
        array { json in
            for value in values { json.string(value) }
        }
    }

    /// A field whose value is an object that `body` writes.
    public mutating func object(_ name: String, _ body: (inout JSONWriter) -> Void) {
        key(name)
        object(body)
    }

    /// A field whose value writes itself; `null` when `value` is `nil`.
    public mutating func field(_ name: String, _ value: (some JSONWritable)?) {
        key(name)
        if let value { value.writeJSON(into: &self) } else { null() }
    }

    /// A field only when `value` is not `nil`.
    public mutating func fieldIfPresent(_ name: String, _ value: (some JSONWritable)?) {
        if let value { field(name, value) }
    }

    /// An array field of values that write themselves.
    public mutating func field(_ name: String, _ values: [some JSONWritable]) {
        key(name)
        array { json in
            for value in values { value.writeJSON(into: &json) }
        }
    }

    /// A field only when `value` is not `nil`.
    public mutating func fieldIfPresent(_ name: String, _ value: String?) {
        if let value { field(name, value) }
    }

    /// A field only when `value` is not `nil`.
    public mutating func fieldIfPresent(_ name: String, _ value: Int?) {
        if let value { field(name, value) }
    }

    // MARK: - Text

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func scalar(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private mutating func open(_ bracket: Unicode.Scalar) {
        separate()
        bytes.append(UInt8(ascii: bracket))
        needsComma = false
    }

    private mutating func close(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        needsComma = true
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped as `JSONEncoder` escapes them
    /// (`\b`, `\t`, `\n`, `\f`, `\r`, the others `\u00xx`), everything else as it is.
    private mutating func writeString(_ value: String) {
        var value = value
        // Read as one buffer of UTF-8: a string's own bytes when it keeps them so (almost always), else a copy.
        value.withUTF8 { writeString(utf8: $0) }
    }

    private mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        let (quote, backslash) = (UInt8(ascii: "\""), UInt8(ascii: "\\"))
        bytes.append(quote)
        // The bytes between escapes are copied a run at a time: most strings are one run, looked through eight bytes
        // at a time (an event's strings, a token among them, are most of what the gateway writes).
        var run = 0
        var index = 0
        while index < utf8.count {
            if index + 8 <= utf8.count,
                !Self.mayNeedEscape(UnsafeRawPointer(utf8.baseAddress! + index).loadUnaligned(as: UInt64.self))
            {
                index += 8
                continue
            }
            let position = index
            let byte = utf8[position]
            index += 1
            guard byte < 0x20 || byte == quote || byte == backslash else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<position]))
            run = index
            bytes.append(backslash)
            switch byte {
            case quote, backslash: bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(contentsOf: "u00".utf8)
                Hex.append(byte, to: &bytes)
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        bytes.append(quote)
    }

    /// Whether any of the eight bytes of `word` may be a control character, `"` or `\`. A byte below 0x20 borrows
    /// when 0x20 is taken from it, and a quote or backslash is zero once xored with its own value; a borrow can flag
    /// a byte after a flagged one too, which only sends the word to the byte-by-byte path.
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }
}

/// A value with a JSON form of its own, written by ``JSONWriter``: an order, an event, an answer.
public protocol JSONWritable {
    /// Writes the value as one JSON value, an object's fields in the order of their names.
    func writeJSON(into json: inout JSONWriter)
}

extension JSONWritable {
    /// The value's JSON text.
    public var jsonText: String {
        var json = JSONWriter()
        writeJSON(into: &json)
        return json.text
    }
}
