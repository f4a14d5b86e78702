/// An HTTP request to send with ``CurlHTTPClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines in order, as name and value.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The limit on the whole exchange, the reply's body included, or `nil` to wait as long as it takes.
    public var timeoutMilliseconds: Int?
    /// The most bytes of the reply's body to keep, or `nil` to keep it all. Once more arrives the exchange stops at
    /// once: the rest is never read, and the reply is marked ``HTTPReply/bodyTruncated``. A peer that answers with
    /// an endless or huge body then costs this much memory and no more time.
    public var replyBodyLimit: Int?

    /// A request to send; `replyBodyLimit` caps how much of the reply's body is kept.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeoutMilliseconds: Int? = nil, replyBodyLimit: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
        self.replyBodyLimit = replyBodyLimit
    }
}

/// What came back: any status, 3xx included (redirects are never followed).
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    /// Header values by lower-case name.
    public var headers: [String: String]
    /// The body, or its first ``HTTPRequest/replyBodyLimit`` bytes.
    public var body: [UInt8]
    /// Whether the body went on past the request's ``HTTPRequest/replyBodyLimit``, so that `body` is only its start.
    public var bodyTruncated: Bool

    /// A reply as received; `bodyTruncated` says the body went past the request's limit and was cut.
    public init(status: Int, headers: [String: String], body: [UInt8], bodyTruncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
    }
}

/// A request that got no HTTP answer: the connection failed, timed out, TLS failed, or libcurl is missing.
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcurl's name for the failure (`CURLE_OPERATION_TIMEDOUT` is `timeout`), stable for logs and metrics.
    public var code: String
    public var message: String

    /// A transfer that got no reply: `code` is stable (`timeout`, …), `message` is libcurl's text.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
