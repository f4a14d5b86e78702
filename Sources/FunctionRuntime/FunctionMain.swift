import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a function as a process, in one of two modes chosen by the environment:
///
/// - **One event on standard input** (the default): one API Gateway event in, one proxy response on standard
///   output, then exit. The process exits 0 whenever it answered, 4xx and 5xx included; it exits 1 only when
///   standard input held no readable event, saying why on standard error.
/// - **Lambda custom runtime**, when `AWS_LAMBDA_RUNTIME_API` is set: the same handler loops over the Runtime API
///   (`invocation/next` → handle → `response`), as `bootstrap` in a `provided.al2023` function. An event it cannot
///   read is reported as `Runtime.InvalidEvent` and the loop goes on; a handler that cannot be built (bad
///   configuration, unusable data directory) is reported to `init/error` and the process exits.
///
/// Either way each invocation writes one JSON log line on standard error, and after-response work (event
/// delivery) stays within the invocation's deadline.
public enum FunctionMain {
    /// Invocations with less time than this left are refused rather than started.
    static let minimumMillisecondsToStart = 50

    /// Runs an HTTP function: API Gateway proxy events in, proxy responses out.
    public static func run(function name: String, _ makeHandler: () throws -> any FunctionHandler) -> Never {
        if let endpoint = runtimeAPIEndpoint {
            loop(function: name, endpoint: endpoint, makeHandler) { handler, invocation, client in
                try answerHTTP(function: name, handler: handler, invocation: invocation, client: client)
            }
        }

        let started = Timestamp.monotonicNanoseconds()
        let input = StandardStreams.readInput(limit: FunctionRequest.maximumEventSize)
        let request: FunctionRequest
        do {
            request = try FunctionRequest(event: input)
        } catch {
            StandardStreams.write(
                Array("\(name): cannot read the event on standard input: \(error)\n".utf8), to: STDERR_FILENO)
            exit(1)
        }
        let context = standardInputContext(requestID: request.requestID)
        let response: FunctionResponse
        do {
            response = try makeHandler().respond(to: request)
        } catch {
            response = APIError.internalError(error).response
        }
        StandardStreams.write(Array((response.encoded(for: request.payloadVersion) + "\n").utf8), to: STDOUT_FILENO)
        // Closing standard output tells the caller the answer is complete, before any after-response work.
        close(STDOUT_FILENO)
        finish(function: name, request: request, response: response, context: context, started: started)
        exit(0)
    }

    /// Runs an event function: any JSON event in, its JSON result out (a scheduled job, for instance).
    ///
    /// In standard-input mode it exits 0 with the result, or 1 with the error on standard error.
    public static func runEvent(function name: String, _ makeHandler: () throws -> any EventHandler) -> Never {
        if let endpoint = runtimeAPIEndpoint {
            loop(function: name, endpoint: endpoint, makeHandler) { handler, invocation, client in
                let started = Timestamp.monotonicNanoseconds()
                do {
                    let result = try handler.handle(event: invocation.event, context: invocation.context)
                    try client.respond(to: invocation.context.requestID, with: Array(result.utf8))
                    logEvent(function: name, context: invocation.context, started: started, error: nil)
                } catch let failure as RuntimeAPIClient.ProtocolFailure {
                    throw failure
                } catch {
                    try client.fail(invocation.context.requestID, type: "Function.Unhandled", message: "\(error)")
                    logEvent(function: name, context: invocation.context, started: started, error: error)
                }
            }
        }

        let started = Timestamp.monotonicNanoseconds()
        let input = StandardStreams.readInput(limit: FunctionRequest.maximumEventSize)
        let context = standardInputContext(requestID: "")
        do {
            let result = try makeHandler().handle(event: input, context: context)
            StandardStreams.write(Array((result + "\n").utf8), to: STDOUT_FILENO)
            logEvent(function: name, context: context, started: started, error: nil)
            exit(0)
        } catch {
            logEvent(function: name, context: context, started: started, error: error)
            exit(1)
        }
    }

    // MARK: - Runtime API mode

    private static var runtimeAPIEndpoint: String? {
        getenv("AWS_LAMBDA_RUNTIME_API").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Builds the handler once, then serves invocations until the Runtime API fails.
    private static func loop<Handler>(
        function name: String, endpoint: String, _ makeHandler: () throws -> Handler,
        _ serve: (Handler, RuntimeAPIClient.Invocation, RuntimeAPIClient) throws -> Void
    ) -> Never {
        let client: RuntimeAPIClient
        do {
            client = try RuntimeAPIClient(endpoint: endpoint)
        } catch {
            FunctionLog.write(
                "runtime_api_unreachable", level: "error", fields: ["function": name, "error": "\(error)"])
            exit(1)
        }
        let handler: Handler
        do {
            handler = try makeHandler()
        } catch {
            FunctionLog.write("init_failed", level: "error", fields: ["function": name, "error": "\(error)"])
            try? client.failInitialization(type: "Runtime.InitError", message: "\(name) cannot start: \(error)")
            exit(1)
        }
        while true {
            do {
                let invocation = try client.next()
                if let trace = invocation.context.traceID {
                    setenv("_X_AMZN_TRACE_ID", trace, 1)
                } else {
                    unsetenv("_X_AMZN_TRACE_ID")
                }
                if let remaining = invocation.context.remainingMilliseconds(), remaining < minimumMillisecondsToStart {
                    try client.fail(
                        invocation.context.requestID, type: "Function.DeadlineExceeded",
                        message: "only \(remaining) ms were left before the deadline; the invocation was not started")
                    continue
                }
                try serve(handler, invocation, client)
            } catch {
                // The Runtime API itself failed (or answered out of protocol): exit promptly, as it asks.
                FunctionLog.write(
                    "runtime_api_failed", level: "error", fields: ["function": name, "error": "\(error)"])
                exit(1)
            }
        }
    }

    private static func answerHTTP(
        function name: String, handler: any FunctionHandler, invocation: RuntimeAPIClient.Invocation,
        client: RuntimeAPIClient
    ) throws {
        let started = Timestamp.monotonicNanoseconds()
        let request: FunctionRequest
        do {
            request = try FunctionRequest(event: invocation.event)
        } catch {
            FunctionLog.write(
                "invalid_event", level: "error",
                fields: ["function": name, "request_id": invocation.context.requestID, "error": "\(error)"])
            try client.fail(invocation.context.requestID, type: "Runtime.InvalidEvent", message: "\(error)")
            return
        }
        let response = handler.respond(to: request)
        try client.respond(
            to: invocation.context.requestID, with: Array(response.encoded(for: request.payloadVersion).utf8))
        finish(function: name, request: request, response: response, context: invocation.context, started: started)
    }

    // MARK: - Shared

    /// In standard-input mode the deadline, if any, comes from `AWS_LAMBDA_FUNCTION_TIMEOUT` (seconds), which the
    /// local gateway and SAM set, counted from now.
    private static func standardInputContext(requestID: String) -> InvocationContext {
        let timeout = getenv("AWS_LAMBDA_FUNCTION_TIMEOUT").flatMap { Int64(String(cString: $0)) }
        return InvocationContext(
            requestID: requestID, deadline: timeout.map { Timestamp.now().adding(milliseconds: $0 * 1000) },
            traceID: getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) })
    }

    /// Logs the invocation, then runs its after-response work.
    private static func finish(
        function name: String, request: FunctionRequest, response: FunctionResponse, context: InvocationContext,
        started: Int64
    ) {
        let elapsed = Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000
        FunctionLog.write(
            "invocation", level: response.statusCode >= 500 ? "error" : "info",
            fields: FunctionLog.Invocation(
                function: name, requestID: context.requestID.isEmpty ? request.requestID : context.requestID,
                method: request.method, path: request.path, status: response.statusCode,
                durationMilliseconds: (elapsed * 1000).rounded() / 1000, errorCode: response.errorCode,
                error: response.internalError, actor: request.actor))
        response.afterResponse?(context)
    }

    private static func logEvent(function name: String, context: InvocationContext, started: Int64, error: (any Error)?)
    {
        let elapsed = Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000
        FunctionLog.write(
            "invocation", level: error == nil ? "info" : "error",
            fields: EventInvocationLog(
                function: name, requestID: context.requestID.isEmpty ? nil : context.requestID,
                durationMilliseconds: (elapsed * 1000).rounded() / 1000, error: error.map { "\($0)" }))
    }
}

private struct EventInvocationLog: LogFields {
    var function: String
    var requestID: String?
    var durationMilliseconds: Double
    var error: String?

    func write(to json: inout JSONWriter) {
        json.field("function", function)
        json.fieldIfPresent("request_id", requestID)
        json.field("duration_ms", durationMilliseconds)
        json.fieldIfPresent("error", error)
    }
}
