public import Timestamps

/// What the runtime knows about the invocation being handled.
public struct InvocationContext: Sendable {
    /// The platform's id for this invocation (the Runtime API's request id; in stdin mode, the event's).
    public var requestID: String
    /// When the invocation must be finished, in milliseconds since the Unix epoch, if there is a limit.
    public var deadline: Timestamp?
    /// The X-Ray trace header of the invocation, if any: the Runtime API's `Lambda-Runtime-Trace-Id`, or in
    /// stdin mode `_X_AMZN_TRACE_ID`. The runtime writes it into every log line of the invocation.
    public var traceID: String?

    /// A context; without a deadline, ``budget(wanting:margin:)`` grants all that is asked.
    public init(requestID: String, deadline: Timestamp? = nil, traceID: String? = nil) {
        self.requestID = requestID
        self.deadline = deadline
        self.traceID = traceID
    }

    /// Milliseconds left before the deadline (negative once past it), or `nil` without a deadline.
    public func remainingMilliseconds(now: Timestamp = .now()) -> Int? {
        deadline.map { Int($0.millisecondsSinceEpoch - now.millisecondsSinceEpoch) }
    }

    /// How much of `wanted` milliseconds may be spent, keeping `margin` before the deadline. 0 means none.
    public func budget(wanting wanted: Int, margin: Int = 100) -> Int {
        guard let remaining = remainingMilliseconds() else { return wanted }
        return max(0, min(wanted, remaining - margin))
    }
}
