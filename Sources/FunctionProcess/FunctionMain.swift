public import FunctionRuntime
import StructuredLog
import SystemSupport
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// The entry point of a function executable: reads the environment once, runs the function in one of two modes,
/// and exits the process. The only place in the service that calls `exit`.
///
/// - **One event on standard input** (the default): one API Gateway event in, one proxy response on standard
///   output, then exit (``StandardInputDriver``). The process exits 0 whenever it answered, 4xx and 5xx included;
///   it exits 1 only when standard input held no readable event, saying why on standard error.
/// - **Lambda custom runtime**, when `AWS_LAMBDA_RUNTIME_API` is set: the same handler loops over the Runtime API
///   (``RuntimeAPILoop``), as `bootstrap` in a `provided.al2023` function, and the process exits 1 when the loop
///   stops (the handler cannot be built, or the Runtime API failed).
///
/// Either way each invocation writes one JSON log line on standard error, and after-response work (event
/// delivery) stays within the invocation's deadline.
public enum FunctionMain {
    /// Runs an HTTP function: API Gateway proxy events in, proxy responses out.
    public static func run(function name: String, _ makeHandler: () throws -> any FunctionHandler) -> Never {
        let configuration = RuntimeConfiguration(environment: .process)
        if let endpoint = configuration.runtimeAPIEndpoint {
            _ = RuntimeAPILoop(function: name, api: client(function: name, endpoint: endpoint)).serve(makeHandler)
            exit(1)
        }

        let started = Timestamp.monotonicNanoseconds()
        let input = StandardStreams.readInput(limit: InvocationLimits.maximumPayloadSize)
        do {
            try StandardInputDriver(function: name, configuration: configuration).answer(
                event: input, started: started, makeHandler
            ) { response in
                writeAll(response, to: STDOUT_FILENO)
                // Closing standard output tells the caller the answer is complete, before any after-response work.
                close(STDOUT_FILENO)
            }
        } catch {
            writeAll(Array("\(name): cannot read the event on standard input: \(error)\n".utf8), to: STDERR_FILENO)
            exit(1)
        }
        exit(0)
    }

    /// Runs an event function: any JSON event in, its JSON result out (a scheduled job, for instance).
    ///
    /// In standard-input mode it exits 0 with the result, or 1 with the error in the log line on standard error.
    public static func runEvent(function name: String, _ makeHandler: () throws -> any EventHandler) -> Never {
        let configuration = RuntimeConfiguration(environment: .process)
        if let endpoint = configuration.runtimeAPIEndpoint {
            _ = RuntimeAPILoop(function: name, api: client(function: name, endpoint: endpoint))
                .serveEvents(makeHandler)
            exit(1)
        }

        let started = Timestamp.monotonicNanoseconds()
        let input = StandardStreams.readInput(limit: InvocationLimits.maximumPayloadSize)
        let answered = StandardInputDriver(function: name, configuration: configuration).answerEvent(
            event: input, started: started, makeHandler
        ) { result in
            writeAll(result, to: STDOUT_FILENO)
        }
        exit(answered ? 0 : 1)
    }

    /// The Runtime API client, or exit 1 when the endpoint is not `host:port`.
    private static func client(function name: String, endpoint: String) -> RuntimeAPIClient {
        do {
            return try RuntimeAPIClient(endpoint: endpoint)
        } catch {
            FunctionLog.write(
                "runtime_api_unreachable", level: "error", fields: ["function": name, "error": "\(error)"])
            exit(1)
        }
    }
}
