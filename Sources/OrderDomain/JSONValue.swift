public import FoundationEssentials

/// Any JSON value, read without a schema so that every field of a request can be checked and all
/// problems reported at once, rather than stopping at the first type mismatch.
///
/// Numbers are kept as exact decimals: `0.1` stays one tenth, never the nearest binary double.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Decimal)
    /// A number a decimal cannot hold exactly: too large (such as `1e300`) or too close to zero (`1e-300`).
    /// Kept apart so that validation can name it.
    case outOfRangeNumber
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data`, or throws ``OrderError`` `malformed_json` saying why it is not JSON.
    public static func parse(_ data: some Collection<UInt8>) throws(OrderError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(data))
        } catch let DecodingError.dataCorrupted(context) {
            let reason = (context.underlyingError as? any CustomStringConvertible)?.description
            throw .malformedJSON(reason.map { "\($0)".lowercasedFirst } ?? "it does not parse")
        } catch {
            throw .malformedJSON("it does not parse")
        }
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number, .outOfRangeNumber: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if (try? container.decode(Double.self)) != nil {
            self = .outOfRangeNumber
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

extension String {
    fileprivate var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
