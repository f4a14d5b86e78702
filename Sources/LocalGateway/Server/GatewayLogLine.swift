import StructuredLog
import SystemSupport

/// A line of the gateway's log, one JSON object on standard error, in the same shape as the functions' own.
public enum GatewayLogLine: Sendable, Equatable {
    /// One per request.
    case access(
        method: String, path: String, status: Int, function: String?, durationMilliseconds: Double, requestID: String)
    /// A function that failed, timed out or answered nonsense; `error` says how.
    case failure(function: String, requestID: String, error: String)
    /// Anything else worth saying: start-up, schedules, shutdown.
    case notice(String, level: String = "info", fields: [String: String] = [:])

    /// Writes the line on standard error.
    public func write() {
        switch self {
        case .access(let method, let path, let status, let function, let duration, let requestID):
            FunctionLog.write(
                "request", level: status >= 500 ? "error" : "info",
                fields: Access(
                    method: method, path: path, status: status, function: function,
                    durationMilliseconds: (duration * 1000).rounded() / 1000, requestID: requestID))
        case .failure(let function, let requestID, let error):
            FunctionLog.write(
                "function failed", level: "error",
                fields: ["function": function, "request_id": requestID, "error": error])
        case .notice(let message, let level, let fields):
            FunctionLog.write(message, level: level, fields: fields)
        }
    }

    private struct Access: LogFields {
        var method: String
        var path: String
        var status: Int
        var function: String?
        var durationMilliseconds: Double
        var requestID: String

        func write(to json: inout JSONWriter) {
            json.field("method", method.excerpt)
            json.field("path", path.excerpt)
            json.field("status", status)
            json.fieldIfPresent("function", function)
            json.field("duration_ms", durationMilliseconds)
            json.field("request_id", requestID)
        }
    }
}

extension String {
    /// What a log line or an error message shows of text a client sent: the first 256 bytes, then how long the
    /// whole was. A path or a header may be as long as the gateway reads (80 KiB); repeated whole in every line, a
    /// few such requests fill the log.
    var excerpt: String {
        let limit = 256
        guard utf8.count > limit else { return self }
        // Cut on a character boundary, within the byte limit.
        var end = startIndex
        var bytes = 0
        for index in indices {
            let size = self[index].utf8.count
            guard bytes + size <= limit else { break }
            bytes += size
            end = self.index(after: index)
        }
        return "\(self[..<end])… (\(utf8.count) bytes)"
    }
}
