/// An HTTP request to send with ``CurlHTTPClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines in order, as name and value.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The limit on the whole exchange, or `nil` to wait as long as it takes.
    public var timeoutMilliseconds: Int?

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeoutMilliseconds: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// What came back: any status, 3xx included (redirects are never followed).
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    /// Header values by lower-case name.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that got no HTTP answer: the connection failed, timed out, TLS failed, or libcurl is missing.
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcurl's name for the failure (`CURLE_OPERATION_TIMEDOUT` is `timeout`), stable for logs and metrics.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
