import FixtureSupport
import Foundation
import Testing

/// A file of `fixtures/bad-input/`: one request the service must refuse with a clear 4xx in its error envelope.
///
/// The format is described in `fixtures/README.md`.
struct BadInputCase: Decodable, CustomTestStringConvertible {
    var description: String
    var request: Request
    var expect: Expectation
    /// The file it came from, relative to `fixtures/`.
    var file = ""

    var testDescription: String { file }

    struct Request: Decodable {
        var method: FixtureBytes
        /// The request target as sent: path and query, not normalised in any way.
        var path: FixtureBytes
        /// `null` leaves out a header the client would add (`Host`); names differing only in case are both sent.
        var headers: [String: FixtureBytes?]?
        /// The body's bytes; or `json`, a JSON value sent as its text.
        var body: FixtureBytes?
        var json: FixtureJSON?

        var bodyBytes: [UInt8] {
            if let json { return Array(json.jsonText.utf8) }
            return body?.bytes ?? []
        }
    }

    struct Expectation: Decodable {
        var status: Int
        var code: String
        /// Text the message must contain, so that it says what to fix.
        var messageIncludes: [String]?
        /// Fields that `details` must name.
        var detailFields: [String]?
        /// Headers the answer must have, with these values.
        var headers: [String: String]?
    }

    enum CodingKeys: String, CodingKey {
        case description, request, expect
    }

    /// Every case, sorted by file name.
    static func all() throws -> [BadInputCase] {
        let directory = Paths.fixtures.appendingPathComponent("bad-input")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
            .sorted().map { name in
                var loaded = try JSONDecoder().decode(
                    BadInputCase.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
                loaded.file = "bad-input/\(name)"
                return loaded
            }
    }
}

/// Bytes as a fixture writes them: a string (sent as UTF-8), `{"base64": "…"}` for bytes that are not text, or
/// `{"prefix": …, "repeat": "…", "count": N, "suffix": …}` for large input, `repeat` written `count` times between
/// an optional prefix and suffix, which are fixture bytes themselves (so `]` × 5000 can close `[` × 5000).
indirect enum FixtureBytes: Decodable {
    case text(String)
    case base64(String)
    case repeated(prefix: FixtureBytes, unit: String, count: Int, suffix: FixtureBytes)

    private enum CodingKeys: String, CodingKey {
        case base64, prefix, `repeat`, count, suffix
    }

    init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .text(text)
            return
        }
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        if let base64 = try fields.decodeIfPresent(String.self, forKey: .base64) {
            self = .base64(base64)
        } else {
            self = .repeated(
                prefix: try fields.decodeIfPresent(FixtureBytes.self, forKey: .prefix) ?? .text(""),
                unit: try fields.decode(String.self, forKey: .repeat),
                count: try fields.decode(Int.self, forKey: .count),
                suffix: try fields.decodeIfPresent(FixtureBytes.self, forKey: .suffix) ?? .text(""))
        }
    }

    var bytes: [UInt8] {
        switch self {
        case .text(let text):
            Array(text.utf8)
        case .base64(let encoded):
            Array(Data(base64Encoded: encoded) ?? Data("invalid base64 in fixture".utf8))
        case .repeated(let prefix, let unit, let count, let suffix):
            prefix.bytes + Array(String(repeating: unit, count: count).utf8) + suffix.bytes
        }
    }
}
