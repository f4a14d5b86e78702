/// Runs one event through one function and gives back what the function answered.
///
/// The gateway depends only on this, so how a function runs can change: ``ProcessInvoker`` starts a process
/// per invocation; another implementation can keep processes running and feed them events.
public protocol FunctionInvoker: Sendable {
    /// Runs `event` through `function` within its `Timeout` and returns its standard output, the response.
    ///
    /// - Throws: ``InvocationError`` when the function cannot start, fails, or runs past its timeout.
    func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String) async throws(InvocationError)
        -> [UInt8]
}

/// Why an invocation produced no response.
public struct InvocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Ran past its `Timeout` and was killed.
        case timedOut
        /// Exited non-zero or died of a signal.
        case failed
        /// Could not be started (executable missing or not executable).
        case launchFailed
        /// Wrote more than the largest response Lambda accepts.
        case responseTooLarge
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
