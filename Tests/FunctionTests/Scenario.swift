import FixtureSupport
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
        var event: FixtureJSON?
        /// Bytes to send as they are instead of an event, for unreadable input.
        var rawInput: String?
        /// Variables set for this step's process, beside `ORDER_DATA_DIR`.
        var environment: [String: String]?
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
        var headers: [String: FixtureJSON]?
        /// Headers that must be absent.
        var absentHeaders: [String]?
        /// The whole body: every key present, no other key.
        var body: FixtureJSON?
        /// Part of the body: these keys with these values; others may be present.
        var bodyIncludes: FixtureJSON?
    }

    enum CodingKeys: String, CodingKey {
        case description, steps
    }
}
