public import StructuredLog

/// An HTTP response from a function, written back as an API Gateway proxy response.
public struct FunctionResponse: Sendable {
    /// The HTTP status.
    public var statusCode: Int
    /// Header values by name, as they should be sent.
    public var headers: [String: String]
    /// The body, UTF-8 text (JSON for every answer of this service).
    public var body: String
    /// The stable error code when this response reports an error, for the invocation's log line.
    public var errorCode: String?
    /// The full internal error behind a 5xx answer: logged, never sent.
    public var internalError: String?
    /// Work to do once the response has been sent, such as delivering the events of a change.
    /// The caller already has its answer; this only delays the end of the invocation, and must stay within the
    /// context's deadline.
    public var afterResponse: (@Sendable (InvocationContext) -> Void)?
    /// What the answer did, as metrics (an order created, a status changed): written into the invocation's log line
    /// beside its `HandlerDuration`, so that reporting them costs no line and no call of its own.
    public var metrics: [Metric] = []

    /// A response with no after-response work.
    public init(
        statusCode: Int, headers: [String: String] = [:], body: String = "", errorCode: String? = nil,
        internalError: String? = nil
    ) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.errorCode = errorCode
        self.internalError = internalError
    }
}
