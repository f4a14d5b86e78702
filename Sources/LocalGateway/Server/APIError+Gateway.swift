import NIOHTTP1
import OrderHTTP

extension APIError {
    /// 404: no route of the template matches the path.
    static func routeNotFound(method: String, path: String) -> APIError {
        APIError(status: 404, code: "route_not_found", message: "No route matches \(method) \(path.excerpt).")
    }

    /// 405: routes match the path, none with this method; `Allow` lists theirs.
    static func methodNotAllowed(method: String, path: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, code: "method_not_allowed",
            message: "\(method) is not allowed on \(path.excerpt); use \(allowed.joined(separator: " or ")).",
            headers: ["Allow": allowed.joined(separator: ", ")])
    }

    /// 502: the function failed, or answered with something that is not a proxy response.
    static func badGateway(function: String) -> APIError {
        APIError(
            status: 502, code: "bad_gateway",
            message: "The function \(function) failed to give a valid answer; the gateway's log says why.")
    }

    /// 502: the function's process could not initialise; `reason` is what it reported, for the person running it.
    static func functionCannotStart(function: String, reason: String) -> APIError {
        APIError(status: 502, code: "bad_gateway", message: "The function \(function) cannot start: \(reason)")
    }

    /// 504: the function ran past its timeout.
    static func gatewayTimeout(function: String, seconds: Double) -> APIError {
        APIError(
            status: 504, code: "gateway_timeout",
            message: "The function \(function) did not answer within its timeout of \(seconds) seconds.")
    }
}

extension APIError {
    /// 431 or 400: the HTTP parser could not read the request, so no route was looked up.
    ///
    /// - Parameter methods: the methods the template's routes take, named when the method is the problem.
    static func unreadableRequest(_ error: HTTPParserError, methods: [String]) -> APIError {
        let problem: String
        switch error {
        case .headerOverflow:
            return APIError(
                status: 431, code: "request_header_fields_too_large",
                message: "The request's header fields are larger than the gateway reads "
                    + "(\(GatewayServer.maximumHeaderBytes / 1024) KiB); send smaller headers.")
        case .invalidMethod:
            let routes = methods.isEmpty ? "" : "; the routes take \(methods.joined(separator: ", "))"
            problem = "its method is not one the gateway knows\(routes)"
        case .invalidURL:
            problem = "its target is not a valid request path"
        case .invalidVersion:
            problem = "it is not HTTP/1.0 or HTTP/1.1"
        case .invalidHeaderToken, .invalidCharactersUsed:
            problem = "a header field has characters a header cannot have"
        case .invalidContentLength:
            problem = "Content-Length is not a single whole number"
        case .unexpectedContentLength:
            problem = "it has both Content-Length and Transfer-Encoding, or Content-Length twice"
        case .invalidChunkSize:
            problem = "its chunked body has a chunk size that is not a hexadecimal number"
        default:
            // `unknown` covers, among others, Content-Length together with Transfer-Encoding.
            problem =
                "it is not valid HTTP/1.1; check the request line and the headers, and frame the body with either "
                + "Content-Length or Transfer-Encoding: chunked, not both"
        }
        return APIError(status: 400, code: "malformed_request", message: "The request cannot be read: \(problem).")
    }
}

extension APIError {
    /// 400: an HTTP/1.1 request without `Host` (RFC 9112, section 3.2).
    static var hostMissing: APIError {
        APIError(
            status: 400, code: "malformed_request",
            message: "The request has no Host header; HTTP/1.1 requires one (RFC 9112, section 3.2).")
    }

    /// 400: a request with `Host` more than once (RFC 9112, section 3.2).
    static func hostRepeated(count: Int) -> APIError {
        APIError(
            status: 400, code: "malformed_request",
            message: "The request has \(count) Host headers; send exactly one (RFC 9112, section 3.2).")
    }

    /// 405: `CONNECT`, which asks a proxy for a tunnel; `Allow` lists the methods the routes take.
    static func tunnelNotServed(methods: [String]) -> APIError {
        APIError(
            status: 405, code: "method_not_allowed",
            message: "CONNECT asks a proxy for a tunnel, and the gateway is not a proxy; its routes take "
                + "\(methods.joined(separator: ", ")).",
            headers: ["Allow": methods.joined(separator: ", ")])
    }
}
