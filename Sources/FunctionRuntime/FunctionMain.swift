import Timestamps

#if canImport(Glibc)
import Glibc
#endif

/// Runs a handler as a process: one API Gateway event on standard input, one proxy response on standard output.
///
/// The process exits 0 whenever it answered, 4xx and 5xx included. It exits 1 only when standard input held no
/// readable event; then it writes why on standard error and the handler never runs.
public enum FunctionMain {
    /// Reads the event, runs the handler made by `makeHandler`, writes the response and a log line, and exits.
    ///
    /// `makeHandler` runs after the event is read; if it throws (bad configuration, unusable data directory), the
    /// request is answered 500 and the cause logged.
    public static func run(function name: String, _ makeHandler: () throws -> any FunctionHandler) -> Never {
        let started = Timestamp.monotonicNanoseconds()
        let input = StandardStreams.readInput(limit: FunctionRequest.maximumEventSize)
        let request: FunctionRequest
        do {
            request = try FunctionRequest(event: input)
        } catch {
            StandardStreams.write(Array("\(name): cannot read the event on standard input: \(error)\n".utf8), to: STDERR_FILENO)
            exit(1)
        }

        let response: FunctionResponse
        do {
            response = try makeHandler().respond(to: request)
        } catch {
            response = APIError.internalError(error).response
        }

        var output = Array(response.encoded(for: request.payloadVersion).utf8)
        output.append(UInt8(ascii: "\n"))
        StandardStreams.write(output, to: STDOUT_FILENO)
        // Closing standard output tells the caller the answer is complete, before any after-response work.
        close(STDOUT_FILENO)

        let elapsed = Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000
        FunctionLog.write(
            "invocation", level: response.statusCode >= 500 ? "error" : "info",
            fields: FunctionLog.Invocation(
                function: name, requestID: request.requestID, method: request.method, path: request.path,
                status: response.statusCode, durationMilliseconds: (elapsed * 1000).rounded() / 1000,
                errorCode: response.errorCode, error: response.internalError))
        response.afterResponse?()
        exit(0)
    }

    /// Runs an event function: any JSON event on standard input, its JSON result on standard output.
    ///
    /// Exits 0 with the result, or 1 with the error on standard error (a function error, in Lambda's terms).
    public static func runEvent(function name: String, _ makeHandler: () throws -> any EventHandler) -> Never {
        let started = Timestamp.monotonicNanoseconds()
        let input = StandardStreams.readInput(limit: FunctionRequest.maximumEventSize)
        do {
            var output = Array(try makeHandler().handle(event: input).utf8)
            output.append(UInt8(ascii: "\n"))
            StandardStreams.write(output, to: STDOUT_FILENO)
            FunctionLog.write(
                "invocation",
                fields: EventInvocationLog(
                    function: name, durationMilliseconds: Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000))
            exit(0)
        } catch {
            FunctionLog.write(
                "invocation", level: "error",
                fields: EventInvocationLog(
                    function: name, durationMilliseconds: Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000,
                    error: String(describing: error)))
            exit(1)
        }
    }
}

private struct EventInvocationLog: Encodable {
    var function: String
    var durationMilliseconds: Double
    var error: String?

    enum CodingKeys: String, CodingKey {
        case function
        case durationMilliseconds = "duration_ms"
        case error
    }
}
