import StructuredLog

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
            json.field("method", method)
            json.field("path", path)
            json.field("status", status)
            json.fieldIfPresent("function", function)
            json.field("duration_ms", durationMilliseconds)
            json.field("request_id", requestID)
        }
    }
}
