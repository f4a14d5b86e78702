public import FoundationEssentials
import SystemSupport

/// Any JSON value, read without a schema so that every field of a request can be checked and all
/// problems reported at once, rather than stopping at the first type mismatch.
///
/// Numbers are kept as exact decimals: `0.1` stays one tenth, never the nearest binary double.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Decimal)
    /// A number too large or too small to hold exactly (`1e300`, `1e400`, `1e-400`). Kept apart so that validation
    /// can name it.
    case outOfRangeNumber
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `data`, or throws ``OrderError`` `malformed_json` saying why it is not JSON.
    ///
    /// JSON text is UTF-8 (RFC 8259): bytes that are not UTF-8, or hold a NUL, are refused before parsing, since the
    /// parser would otherwise take them for UTF-16 or UTF-32 and read another text than the one sent.
    public static func parse(_ data: some Collection<UInt8>) throws(OrderError) -> JSONValue {
        guard String(validating: data, as: UTF8.self) != nil else {
            throw .malformedJSON("it is not UTF-8 text; send the JSON encoded as UTF-8")
        }
        guard !data.contains(0) else {
            throw .malformedJSON(#"it contains a NUL byte; JSON text has none (write \u0000 inside a string)"#)
        }
        // Read by the service's own reader, then its numbers as decimals: Foundation's `JSONDecoder` was a tenth of
        // create-order's CPU under load. What that reader refuses (nesting past 128, a number no `Double` holds) or
        // any syntax error is read again by `JSONDecoder`, whose message says what is wrong and where.
        if let value = try? SystemSupport.JSONValue.parse(Array(data)) { return JSONValue(value) }
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

extension JSONValue {
    /// `value` with its numbers read exactly, as `JSONDecoder` reads a `Decimal`: one no `Decimal` holds (`1e300`,
    /// `1e-400`) is out of range.
    init(_ value: SystemSupport.JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(_, let text):
            if let decimal = Decimal(string: text), !decimal.isNaN {
                self = .number(decimal)
            } else {
                self = .outOfRangeNumber
            }
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let members): self = .object(members.mapValues(JSONValue.init))
        }
    }
}

extension JSONValue: Decodable {
    /// Reads any JSON value; numbers become `Decimal`, so amounts keep every digit the client sent.
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
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            do {
                self = .number(try container.decode(Decimal.self))
            } catch let error as DecodingError {
                throw error  // Not a number either.
            } catch {
                // The parser's own error for a number that neither a Decimal nor a Double holds (1e400, 1e-400):
                // valid JSON, out of range.
                self = .outOfRangeNumber
            }
        }
    }
}

extension String {
    fileprivate var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
