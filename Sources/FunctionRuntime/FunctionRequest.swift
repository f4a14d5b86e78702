import SystemSupport

/// An HTTP request as a function sees it, read from an API Gateway proxy event of either payload version.
public struct FunctionRequest: Sendable {
    /// The API Gateway payload format the event came in; the response is written in the same one.
    public var payloadVersion: PayloadVersion
    /// `GET`, `POST`, …
    public var method: String
    /// The path as the client sent it, without the query string.
    public var path: String
    /// Header values by lower-case name; repeated headers are joined with commas.
    public var headers: [String: String]
    /// The query string's parameters, decoded; for a repeated name, the last value.
    public var queryParameters: [String: String]
    /// The route's `{name}` parameters, already percent-decoded by API Gateway.
    public var pathParameters: [String: String]
    /// The body, base64-decoded if the event said it was encoded.
    public var body: [UInt8]
    /// API Gateway's id for this request, for logs.
    public var requestID: String
    /// The claims of the token API Gateway's authorizer verified, as strings; empty when no authorizer ran. The
    /// function trusts them as they come: API Gateway checked the token, the function never sees it.
    public var claims: [String: String]

    /// A request as a test or the event reader builds it. Header names are lower-cased; two names that differ only
    /// in case are joined with a comma, as repeated headers are.
    public init(
        payloadVersion: PayloadVersion = .v2, method: String, path: String, headers: [String: String] = [:],
        queryParameters: [String: String] = [:], pathParameters: [String: String] = [:], body: [UInt8] = [],
        requestID: String = "local", claims: [String: String] = [:]
    ) {
        self.payloadVersion = payloadVersion
        self.method = method
        self.path = path
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $0 + "," + $1 })
        self.queryParameters = queryParameters
        self.pathParameters = pathParameters
        self.body = body
        self.requestID = requestID
        self.claims = claims
    }

    /// Who is asking: the token's `sub`, or for a machine client without one its `client_id`; `nil` when no
    /// authorizer ran. Recorded with every change the request makes, and named in the invocation's log line.
    public var actor: String? {
        claims["sub"] ?? claims["client_id"]
    }

    /// The value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// The media type of `Content-Type` in lower case, without parameters (`application/json`), if sent.
    public var mediaType: String? {
        guard let contentType = header("content-type") else { return nil }
        return String(contentType.prefix { $0 != ";" }).trimmingSpacesAndTabs.lowercased()
    }
}
