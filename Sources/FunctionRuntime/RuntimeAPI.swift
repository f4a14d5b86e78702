/// The Lambda Runtime API (`/2018-06-01/runtime/…`) as the invocation loop uses it.
///
/// The process's implementation talks HTTP to `AWS_LAMBDA_RUNTIME_API`; a test passes a fake that hands out
/// invocations from a list and records what the loop posted. Every call may block; a call that throws ends the
/// loop, as the Runtime API asks of a runtime whose API has failed.
public protocol RuntimeAPI {
    /// Waits, with no time limit, for the next invocation (`GET invocation/next`).
    func next() throws -> RuntimeInvocation
    /// Hands back the result of an invocation (`POST invocation/{id}/response`).
    func respond(to requestID: String, with body: [UInt8]) throws
    /// Hands back the result of an invocation, then waits for the next one: ``respond(to:with:)`` and ``next()``,
    /// which an implementation may send together, so that the Runtime API has both at once. Only for an invocation
    /// with nothing left to do once its response is posted.
    func respondThenNext(to requestID: String, with body: [UInt8]) throws -> RuntimeInvocation
    /// Reports that an invocation failed (`POST invocation/{id}/error`). `type` is `Category.Reason`, such as
    /// `Runtime.InvalidEvent`.
    func fail(_ requestID: String, type: String, message: String) throws
    /// Reports that the function could not start (`POST init/error`); the runtime exits afterwards.
    func failInitialization(type: String, message: String) throws
}

extension RuntimeAPI {
    /// ``respond(to:with:)``, then ``next()``, one after the other.
    public func respondThenNext(to requestID: String, with body: [UInt8]) throws -> RuntimeInvocation {
        try respond(to: requestID, with: body)
        return try next()
    }
}

/// One invocation as `invocation/next` hands it out.
public struct RuntimeInvocation: Sendable {
    /// Its request id, deadline and trace.
    public var context: InvocationContext
    /// The event, as sent: an API Gateway proxy event for an HTTP function, any JSON for an event function.
    public var event: [UInt8]

    /// An invocation of `event` in `context`.
    public init(context: InvocationContext, event: [UInt8]) {
        self.context = context
        self.event = event
    }
}

/// The Runtime API answered something other than what the protocol allows; the runtime must exit.
public struct RuntimeAPIProtocolFailure: Error, CustomStringConvertible {
    /// What was asked and what came back.
    public var description: String

    /// A failure described by `description`.
    public init(description: String) {
        self.description = description
    }
}
