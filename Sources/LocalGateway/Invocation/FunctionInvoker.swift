/// Runs one event through one function and gives back what the function answered.
///
/// The gateway depends only on this, so how a function runs can change: ``ProcessInvoker`` starts a process
/// per invocation; ``WarmInvoker`` keeps processes running and feeds them events over the Lambda Runtime API.
public protocol FunctionInvoker: Sendable {
    /// Runs `event` through `function` within its `Timeout` and returns its standard output, the response.
    /// `traceID`, the request's `X-Amzn-Trace-Id`, is handed on by the invokers that can (the Runtime API's
    /// `Lambda-Runtime-Trace-Id`); others drop it.
    ///
    /// - Throws: ``InvocationError`` when the function cannot start, fails, or runs past its timeout.
    func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]

    /// Stops whatever the invoker keeps running, once no invocation is in flight. By default there is nothing.
    func shutdown() async

    /// The sizes of the warm pools the invoker keeps, for `GET /metrics`; by default none.
    func warmPools() -> [WarmPoolSize]
}

extension FunctionInvoker {
    /// As ``invoke(_:event:requestID:traceID:)``, for a request without a trace.
    public func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String) async throws(InvocationError)
        -> [UInt8]
    {
        try await invoke(function, event: event, requestID: requestID, traceID: nil)
    }

    /// Nothing to stop.
    public func shutdown() async {}

    /// No warm pools.
    public func warmPools() -> [WarmPoolSize] { [] }
}

/// Why an invocation produced no response.
public struct InvocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it was: it decides the gateway's answer (504 for a timeout, 502 otherwise).
    public enum Kind: Sendable, Equatable {
        /// Ran past its `Timeout` and was killed.
        case timedOut
        /// Exited non-zero, died of a signal, or reported the invocation failed.
        case failed
        /// Could not be started (executable missing or not executable).
        case launchFailed
        /// Started, but reported that it cannot initialise (the Runtime API's `init/error`), or exited before
        /// asking for an invocation; `message` says why.
        case initializationFailed
        /// Wrote more than the largest response Lambda accepts.
        case responseTooLarge
    }

    public var kind: Kind
    public var message: String

    /// A failure of `kind`; `message` names the function and what happened, for the log.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
