import FoundationEssentials
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// Structured logs: one JSON object per line on standard error.
///
/// Bodies and secrets are never logged; only the fields below.
public enum FunctionLog {
    /// The line written once per invocation.
    public struct Invocation: Encodable {
        public var function: String
        public var requestID: String
        public var method: String
        public var path: String
        public var status: Int
        public var durationMilliseconds: Double
        public var errorCode: String?
        /// The internal error behind a 5xx.
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case function
            case requestID = "request_id"
            case method, path, status
            case durationMilliseconds = "duration_ms"
            case errorCode = "error_code"
            case error
        }
    }

    /// Writes one line: `{"time": …, "level": …, "msg": …, …fields}`.
    public static func write(_ message: String, level: String = "info", fields: some Encodable) {
        let trace = getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) }
        let line = Line(time: Timestamp.now().description, level: level, msg: message, traceID: trace, fields: fields)
        guard var bytes = try? JSONBody.encoder.encode(line) else { return }
        bytes.append(UInt8(ascii: "\n"))
        StandardStreams.write(Array(bytes), to: STDERR_FILENO)
    }

    /// Writes a message with no other fields.
    public static func write(_ message: String, level: String = "info") {
        write(message, level: level, fields: [String: String]())
    }

    private struct Line<Fields: Encodable>: Encodable {
        var time: String
        var level: String
        var msg: String
        /// The invocation's X-Ray trace, when the platform gave one.
        var traceID: String?
        var fields: Fields

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(time, forKey: Key("time"))
            try container.encode(level, forKey: Key("level"))
            try container.encode(msg, forKey: Key("msg"))
            try container.encodeIfPresent(traceID, forKey: Key("trace_id"))
            try fields.encode(to: encoder)
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
