import OrderHTTP
import StructuredLog
import SystemSupport
import Timestamps

/// The line written once per invocation (`"msg":"invocation"`), by HTTP and event functions alike.
///
/// Fields, in this order: `function`, `request_id`, then for HTTP `method`, `path` and `status`, then `duration_ms`,
/// and when there was one `error_code`, the internal `error` and the `actor`. Bodies are never logged; the path is
/// cut to its first ``Excerpt/loggedPathLength`` characters. After them, as Embedded Metric Format members, the
/// ``metrics``: `HandlerDuration` under the dimension `Function`, and the metrics the response reports
/// (``FunctionResponse/metrics``).
struct InvocationLogLine: LogFields {
    var function: String
    var requestID: String?
    var method: String?
    var path: String?
    var status: Int?
    var durationMilliseconds: Double
    var errorCode: String?
    var error: String?
    /// Who asked (``FunctionRequest/actor``), never the token itself; absent when no authorizer ran.
    var actor: String?
    /// `error` for a failed invocation or a 5xx answer, otherwise `info`.
    var level: String
    /// What the handler reported having done; `HandlerDuration` is added when the line is written.
    var reported: [Metric] = []

    /// The line of an HTTP invocation; the request id is the platform's, or the event's when the platform gave none.
    init(
        function: String, request: FunctionRequest, response: FunctionResponse, context: InvocationContext,
        started: Int64
    ) {
        self.function = function
        requestID = context.requestID.isEmpty ? request.requestID : context.requestID
        method = request.method
        path = request.path
        status = response.statusCode
        durationMilliseconds = Self.milliseconds(since: started)
        errorCode = response.errorCode
        error = response.internalError
        actor = request.actor
        level = response.statusCode >= 500 ? "error" : "info"
        reported = response.metrics
    }

    /// The line of an event invocation; `error` is what the handler threw, if it did.
    init(function: String, context: InvocationContext, started: Int64, error: (any Error)?) {
        self.function = function
        requestID = context.requestID.isEmpty ? nil : context.requestID
        durationMilliseconds = Self.milliseconds(since: started)
        self.error = error.map { "\($0)" }
        level = error == nil ? "info" : "error"
    }

    func write(to json: inout JSONWriter) {
        json.field("function", function)
        json.fieldIfPresent("request_id", requestID)
        json.fieldIfPresent("method", method)
        json.fieldIfPresent("path", path.map { Excerpt.of($0, maximumLength: Excerpt.loggedPathLength) })
        json.fieldIfPresent("status", status)
        json.field("duration_ms", durationMilliseconds)
        json.fieldIfPresent("error_code", errorCode)
        json.fieldIfPresent("error", error)
        json.fieldIfPresent("actor", actor)
    }

    /// The metrics of the line: the handler's duration, a 5xx answer's `ServerErrors` under its `ErrorCode` (such
    /// as `storage_full`; a Lambda function error is only a crash or a timeout, never such an answer), then what the
    /// handler reported.
    var metrics: [Metric] {
        var metrics = [
            Metric(
                "HandlerDuration", durationMilliseconds, unit: .milliseconds,
                dimensions: [Metric.Dimension("Function", function)])
        ]
        if let status, status >= 500 {
            metrics.append(.count("ServerErrors", dimensions: [Metric.Dimension("ErrorCode", errorCode ?? "none")]))
        }
        return metrics + reported
    }

    /// Writes the line.
    func write() {
        FunctionLog.write("invocation", level: level, fields: self, metrics: metrics)
    }

    /// Milliseconds since the monotonic time `started`, to the microsecond.
    private static func milliseconds(since started: Int64) -> Double {
        let elapsed = Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000
        return (elapsed * 1000).rounded() / 1000
    }
}
