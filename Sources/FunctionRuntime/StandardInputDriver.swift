import OrderHTTP
import StructuredLog
public import Timestamps

/// The default mode of a function process: one event in, one answer out, then the process exits.
///
/// The caller reads standard input and writes standard output; this does everything in between, so a test can
/// drive it in-process. The invocation's deadline and trace come from the ``RuntimeConfiguration``; it writes one
/// log line, and runs after-response work once the answer has been handed over.
public struct StandardInputDriver {
    /// The function's name, for log lines.
    public let function: String
    /// The timeout and trace of the invocation.
    public let configuration: RuntimeConfiguration

    /// A driver of `function`.
    public init(function: String, configuration: RuntimeConfiguration) {
        self.function = function
        self.configuration = configuration
    }

    /// Standard input held no API Gateway proxy event; the process says why and exits 1.
    public struct UnreadableEvent: Error, CustomStringConvertible {
        /// What is wrong with the input.
        public var description: String
    }

    /// Answers an HTTP function's event: the proxy response goes to `send`, then the log line is written and the
    /// after-response work runs. A handler that cannot be built answers 500 `internal_error`.
    ///
    /// - Parameter started: the monotonic time the invocation began (before its input was read), for its duration.
    /// - Throws: ``UnreadableEvent`` when `event` is not a proxy event; the handler is not built then.
    public func answer(
        event: [UInt8], started: Int64 = Timestamp.monotonicNanoseconds(),
        _ makeHandler: () throws -> any FunctionHandler, send: ([UInt8]) -> Void
    ) throws(UnreadableEvent) {
        let request: FunctionRequest
        do {
            request = try FunctionRequest(event: event)
        } catch {
            throw UnreadableEvent(description: "\(error)")
        }
        let context = configuration.standardInputContext(requestID: request.requestID)
        FunctionLog.$traceID.withValue(context.traceID) {
            let response: FunctionResponse
            do {
                response = try makeHandler().respond(to: request)
            } catch {
                response = APIError.internalError(error).response
            }
            send(Array((response.encoded(for: request.payloadVersion) + "\n").utf8))
            InvocationLogLine(
                function: function, request: request, response: response, context: context, started: started
            )
            .write()
            response.afterResponse?(context)
        }
    }

    /// Answers an event function's event: its result (and a newline) goes to `send`.
    ///
    /// - Returns: `false` when the handler could not be built or threw; the error is in the log line, nothing is
    ///   sent, and the process exits 1.
    public func answerEvent(
        event: [UInt8], started: Int64 = Timestamp.monotonicNanoseconds(),
        _ makeHandler: () throws -> any EventHandler, send: ([UInt8]) -> Void
    ) -> Bool {
        let context = configuration.standardInputContext(requestID: "")
        return FunctionLog.$traceID.withValue(context.traceID) {
            do {
                let result = try makeHandler().handle(event: event, context: context)
                send(Array((result + "\n").utf8))
                InvocationLogLine(function: function, context: context, started: started, error: nil).write()
                return true
            } catch {
                InvocationLogLine(function: function, context: context, started: started, error: error).write()
                return false
            }
        }
    }
}
