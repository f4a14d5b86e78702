import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// Structured logs: one JSON object per line on standard error.
///
/// Bodies and secrets are never logged; only the fields below.
public enum FunctionLog {
    /// The line written once per invocation.
    public struct Invocation: LogFields {
        public var function: String
        public var requestID: String
        public var method: String
        /// The request path, cut to its first ``Excerpt/loggedPathLength`` characters when written.
        public var path: String
        public var status: Int
        public var durationMilliseconds: Double
        public var errorCode: String?
        /// The internal error behind a 5xx.
        public var error: String?
        /// Who asked (``FunctionRequest/actor``), never the token itself; absent when no authorizer ran.
        public var actor: String?

        public func write(to json: inout JSONWriter) {
            json.field("function", function)
            json.field("request_id", requestID)
            json.field("method", method)
            json.field("path", Excerpt.of(path, maximumLength: Excerpt.loggedPathLength))
            json.field("status", status)
            json.field("duration_ms", durationMilliseconds)
            json.fieldIfPresent("error_code", errorCode)
            json.fieldIfPresent("error", error)
            json.fieldIfPresent("actor", actor)
        }
    }

    /// Writes one line: `{"time": …, "level": …, "msg": …, "trace_id": …, …fields}`.
    public static func write(_ message: String, level: String = "info", fields: some LogFields) {
        let trace = getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) }
        var json = JSONWriter()
        json.object { json in
            json.field("time", Timestamp.now().description)
            json.field("level", level)
            json.field("msg", message)
            // The invocation's X-Ray trace, when the platform gave one.
            json.fieldIfPresent("trace_id", trace)
            fields.write(to: &json)
        }
        StandardStreams.write(json.bytes + [UInt8(ascii: "\n")], to: STDERR_FILENO)
    }

    /// Writes a message with no other fields.
    public static func write(_ message: String, level: String = "info") {
        write(message, level: level, fields: [String: String]())
    }
}

/// The fields a log line carries after its time, level and message.
public protocol LogFields {
    /// Writes the fields into the line's object.
    func write(to json: inout JSONWriter)
}

extension Dictionary: LogFields where Key == String, Value == String {
    /// The fields in the order of their names.
    public func write(to json: inout JSONWriter) {
        json.fields(self)
    }
}
