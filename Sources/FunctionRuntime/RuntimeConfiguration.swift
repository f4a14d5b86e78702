public import SystemSupport
public import Timestamps

/// What the runtime reads from the process environment, read once at start-up.
public struct RuntimeConfiguration: Sendable, Equatable {
    /// `AWS_LAMBDA_RUNTIME_API` (`host:port`): when set and not empty, the process is a Lambda custom runtime and
    /// loops over this endpoint; otherwise it answers one event on standard input.
    public var runtimeAPIEndpoint: String?
    /// `AWS_LAMBDA_FUNCTION_TIMEOUT`, in seconds: in stdin mode the invocation's deadline, counted from its start
    /// (the local gateway and SAM set it). Ignored when it is not a whole number.
    public var functionTimeoutSeconds: Int64?
    /// `_X_AMZN_TRACE_ID`: in stdin mode the invocation's X-Ray trace, written in its log lines.
    public var traceID: String?

    /// The configuration given by the variables of `environment`.
    public init(environment: Environment) {
        let endpoint = environment["AWS_LAMBDA_RUNTIME_API"]
        runtimeAPIEndpoint = endpoint?.isEmpty == false ? endpoint : nil
        functionTimeoutSeconds = environment["AWS_LAMBDA_FUNCTION_TIMEOUT"].flatMap { Int64($0) }
        traceID = environment["_X_AMZN_TRACE_ID"]
    }

    /// The context of a standard-input invocation starting `now`: its deadline from the timeout, its trace.
    public func standardInputContext(requestID: String, now: Timestamp = .now()) -> InvocationContext {
        InvocationContext(
            requestID: requestID, deadline: functionTimeoutSeconds.map { now.adding(milliseconds: $0 * 1000) },
            traceID: traceID)
    }
}
