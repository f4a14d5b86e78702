/// The `CorsConfiguration` of an HTTP API, its parameters resolved: which browser origins may call it, and what
/// they may send and read.
public struct CORSConfiguration: Sendable, Equatable {
    /// `AllowOrigins`: origins as browsers send them (`https://shop.example.com`), or `*` for any.
    public var allowOrigins: [String]
    /// `AllowMethods`, upper-cased; `*` for any.
    public var allowMethods: [String]
    /// `AllowHeaders`, lower-cased; `*` for any.
    public var allowHeaders: [String]
    /// `ExposeHeaders`, lower-cased: response headers a browser lets the page read.
    public var exposeHeaders: [String]
    /// `MaxAge` in seconds: how long a browser may cache a preflight answer; `nil` sends none.
    public var maxAgeSeconds: Int?
    /// `AllowCredentials`: whether a browser may send cookies and read the answer with them.
    public var allowCredentials: Bool

    /// A configuration as the template's `CorsConfiguration` gives it; methods are kept upper-cased and headers
    /// lower-cased, so that matching ignores their case.
    public init(
        allowOrigins: [String], allowMethods: [String] = [], allowHeaders: [String] = [],
        exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil, allowCredentials: Bool = false
    ) {
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods.map { $0.uppercased() }
        self.allowHeaders = allowHeaders.map { $0.lowercased() }
        self.exposeHeaders = exposeHeaders.map { $0.lowercased() }
        self.maxAgeSeconds = maxAgeSeconds
        self.allowCredentials = allowCredentials
    }

    /// Whether `origin` (a request's `Origin` header) is granted: listed exactly (scheme and host compared without
    /// regard to case), or `*` is listed.
    public func allows(origin: String) -> Bool {
        allowOrigins.contains { $0 == "*" || $0.lowercased() == origin.lowercased() }
    }

    /// The headers API Gateway answers a preflight from `origin` with: nothing for an origin not granted (the
    /// browser then refuses the call), else `access-control-allow-origin`, `-methods`, `-headers`, `-max-age` and
    /// `-credentials` as configured.
    public func preflightHeaders(origin: String) -> [HeaderField] {
        guard allows(origin: origin) else { return [] }
        var headers = [HeaderField("access-control-allow-origin", allowedOriginValue(origin))]
        if !allowMethods.isEmpty {
            headers.append(HeaderField("access-control-allow-methods", allowMethods.joined(separator: ",")))
        }
        if !allowHeaders.isEmpty {
            headers.append(HeaderField("access-control-allow-headers", allowHeaders.joined(separator: ",")))
        }
        if let maxAgeSeconds {
            headers.append(HeaderField("access-control-max-age", String(maxAgeSeconds)))
        }
        if allowCredentials {
            headers.append(HeaderField("access-control-allow-credentials", "true"))
        }
        return headers
    }

    /// The headers API Gateway adds to an answer for `origin` (a request's `Origin`): nothing for an origin not
    /// granted, else `access-control-allow-origin`, `-expose-headers` and `-credentials` as configured.
    public func responseHeaders(origin: String) -> [HeaderField] {
        guard allows(origin: origin) else { return [] }
        var headers = [HeaderField("access-control-allow-origin", allowedOriginValue(origin))]
        if !exposeHeaders.isEmpty {
            headers.append(HeaderField("access-control-expose-headers", exposeHeaders.joined(separator: ",")))
        }
        if allowCredentials {
            headers.append(HeaderField("access-control-allow-credentials", "true"))
        }
        return headers
    }

    /// `*` when any origin is allowed and no credentials are; else the origin itself, as browsers require with
    /// credentials.
    private func allowedOriginValue(_ origin: String) -> String {
        allowOrigins.contains("*") && !allowCredentials ? "*" : origin
    }
}
