import FunctionRuntime

extension APIError {
    /// 404: no route of the template matches the path.
    static func routeNotFound(method: String, path: String) -> APIError {
        APIError(status: 404, code: "route_not_found", message: "No route matches \(method) \(path).")
    }

    /// 405: routes match the path, none with this method; `Allow` lists theirs.
    static func methodNotAllowed(method: String, path: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, code: "method_not_allowed",
            message: "\(method) is not allowed on \(path); use \(allowed.joined(separator: " or ")).",
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
