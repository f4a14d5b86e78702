import StructuredLog
import Timestamps

/// The Lambda custom runtime's loop: builds the handler once, then serves invocations (`invocation/next` → handle
/// → `response`) until the Runtime API fails.
///
/// It never exits the process: ``serve(_:)`` returns why it stopped, and the caller exits. A test drives it
/// in-process with a fake ``RuntimeAPI``.
///
/// - An event it cannot read is reported as `Runtime.InvalidEvent`, and the loop goes on.
/// - An invocation with less than ``minimumMillisecondsToStart`` left is reported as `Function.DeadlineExceeded`
///   without being started.
/// - A handler that cannot be built (bad configuration, unusable data directory) is reported to `init/error`.
/// - Each invocation writes one log line (``FunctionLog``), with the invocation's trace id in every line written
///   while it runs; its after-response work runs once the response has been posted.
/// - A response with no after-response work goes with the request for the next invocation
///   (``RuntimeAPI/respondThenNext(to:with:)``), its log line written before: Lambda may freeze the process as soon as
///   it has been asked for the next invocation.
public struct RuntimeAPILoop {
    /// Invocations with less time than this left are refused rather than started.
    public static let minimumMillisecondsToStart = 50

    /// Why the loop stopped; the process exits 1 after either.
    public enum Stop: Equatable, Sendable {
        /// The handler could not be built; `init/error` has been told.
        case initializationFailed
        /// The Runtime API failed or answered out of protocol.
        case runtimeAPIFailed
    }

    /// The function's name, for log lines.
    public let function: String
    /// Where invocations come from and results go.
    public let api: any RuntimeAPI

    /// A loop of `function` over `api`; nothing is called until ``serve(_:)``.
    public init(function: String, api: any RuntimeAPI) {
        self.function = function
        self.api = api
    }

    /// Serves an HTTP function: API Gateway proxy events in, proxy responses out. Returns only when it must stop.
    public func serve(_ makeHandler: () throws -> any FunctionHandler) -> Stop {
        loop(makeHandler) { handler, invocation in
            let started = Timestamp.monotonicNanoseconds()
            let request: FunctionRequest
            do {
                request = try FunctionRequest(event: invocation.event)
            } catch {
                FunctionLog.write(
                    "invalid_event", level: "error",
                    fields: ["function": function, "request_id": invocation.context.requestID, "error": "\(error)"])
                try api.fail(invocation.context.requestID, type: "Runtime.InvalidEvent", message: "\(error)")
                return nil
            }
            let response = handler.respond(to: request)
            let body = Array(response.encoded(for: request.payloadVersion).utf8)
            let line = InvocationLogLine(
                function: function, request: request, response: response, context: invocation.context,
                started: started)
            guard let afterResponse = response.afterResponse else {
                line.write()
                return try api.respondThenNext(to: invocation.context.requestID, with: body)
            }
            try api.respond(to: invocation.context.requestID, with: body)
            line.write()
            afterResponse(invocation.context)
            return nil
        }
    }

    /// Serves an event function: any JSON event in, its JSON result out. A handler that throws makes the invocation
    /// a `Function.Unhandled` error. Returns only when it must stop.
    public func serveEvents(_ makeHandler: () throws -> any EventHandler) -> Stop {
        loop(makeHandler) { handler, invocation in
            let started = Timestamp.monotonicNanoseconds()
            let result = Result { try handler.handle(event: invocation.event, context: invocation.context) }
            switch result {
            case .success(let result):
                InvocationLogLine(function: function, context: invocation.context, started: started, error: nil).write()
                return try api.respondThenNext(to: invocation.context.requestID, with: Array(result.utf8))
            case .failure(let error):
                try api.fail(invocation.context.requestID, type: "Function.Unhandled", message: "\(error)")
                InvocationLogLine(function: function, context: invocation.context, started: started, error: error)
                    .write()
                return nil
            }
        }
    }

    /// Builds the handler, then answers invocations with `answer` until the Runtime API fails. `answer` returns the
    /// next invocation when it asked for it with its response (``RuntimeAPI/respondThenNext(to:with:)``), and `nil`
    /// when the loop must ask.
    private func loop<Handler>(
        _ makeHandler: () throws -> Handler, _ answer: (Handler, RuntimeInvocation) throws -> RuntimeInvocation?
    ) -> Stop {
        let handler: Handler
        do {
            handler = try makeHandler()
        } catch {
            FunctionLog.write("init_failed", level: "error", fields: ["function": function, "error": "\(error)"])
            try? api.failInitialization(type: "Runtime.InitError", message: "\(function) cannot start: \(error)")
            return .initializationFailed
        }
        var upcoming: RuntimeInvocation?
        while true {
            do {
                let invocation = try upcoming ?? api.next()
                upcoming = try FunctionLog.$traceID.withValue(invocation.context.traceID) {
                    let context = invocation.context
                    if let remaining = context.remainingMilliseconds(), remaining < Self.minimumMillisecondsToStart {
                        try api.fail(
                            context.requestID, type: "Function.DeadlineExceeded",
                            message:
                                "only \(remaining) ms were left before the deadline; the invocation was not started")
                        return nil
                    }
                    return try answer(handler, invocation)
                }
            } catch {
                // The Runtime API itself failed (or answered out of protocol): stop promptly, as it asks.
                FunctionLog.write(
                    "runtime_api_failed", level: "error", fields: ["function": function, "error": "\(error)"])
                return .runtimeAPIFailed
            }
        }
    }
}
