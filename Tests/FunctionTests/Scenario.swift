import Foundation
import Testing

/// A fixture file: steps run in order against the function executables, in one fresh data directory.
///
/// The format is described in `fixtures/README.md`.
struct Scenario: Decodable, CustomTestStringConvertible {
    var description: String
    var steps: [Step]
    /// The file it came from, relative to `fixtures/`.
    var file = ""

    var testDescription: String { file }

    struct Step: Decodable {
        var name: String
        var function: String
        /// The event: a JSON object, possibly with `$base` naming a file under `fixtures/events/`.
        var event: JSONValue?
        /// Bytes to send as they are instead of an event, for unreadable input.
        var rawInput: String?
        var expect: Expectation
        /// Values to remember from the response, by name: `{"order_id": "body.id"}`.
        var capture: [String: String]?
    }

    struct Expectation: Decodable {
        /// For a process that must fail: its exit status, and text its standard error must contain.
        var exitCode: Int32?
        var stderrContains: String?
        var statusCode: Int?
        /// Headers that must be present with these values (names compared case-insensitively).
        var headers: [String: JSONValue]?
        /// Headers that must be absent.
        var absentHeaders: [String]?
        /// The whole body: every key present, no other key.
        var body: JSONValue?
        /// Part of the body: these keys with these values; others may be present.
        var bodyIncludes: JSONValue?
    }

    enum CodingKeys: String, CodingKey {
        case description, steps
    }
}

/// Any JSON value, for fixtures.
enum JSONValue: Codable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    var description: String { jsonText }

    subscript(path: String) -> JSONValue? {
        var current: JSONValue? = self
        for key in path.split(separator: ".") {
            guard case .object(let fields)? = current else { return nil }
            current = fields[String(key)]
        }
        return current
    }
}
