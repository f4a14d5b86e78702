public import Foundation

/// Any JSON value of a fixture file, read and written back without a schema.
///
/// Numbers stay exact decimals, so that `10.123` in a fixture reaches the service as `10.123`, and compare by value:
/// `80` in an expectation equals `80` or `80.0` in an answer. Written back, keys are sorted and slashes unescaped,
/// as the service writes its own answers.
public enum FixtureJSON: Codable, Equatable, CustomStringConvertible, Sendable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([FixtureJSON])
    case object([String: FixtureJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([FixtureJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: FixtureJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Reads JSON text.
    public static func parse(_ data: Data) throws -> FixtureJSON {
        try JSONDecoder().decode(FixtureJSON.self, from: data)
    }

    /// The value as JSON text, object keys sorted.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("null".utf8), as: UTF8.self)
    }

    public var description: String { jsonText }

    /// The value at a dotted path of object keys and array indexes, such as `body.id` or `events.0.id`.
    public subscript(path: String) -> FixtureJSON? {
        var current: FixtureJSON? = self
        for key in path.split(separator: ".") {
            switch current {
            case .object(let fields)?: current = fields[String(key)]
            case .array(let items)?:
                guard let index = Int(key), items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }
}
