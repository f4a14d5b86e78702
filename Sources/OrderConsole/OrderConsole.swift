public import FunctionRuntime

/// `GET /console`: the operators' page, one self-contained HTML document (its CSS and JavaScript inline).
///
/// The page itself needs no token and reads no data; its script calls the API with the token the operator pastes
/// in. Its Content-Security-Policy lets it load nothing from any host and call only the host that served it.
public struct OrderConsole: FunctionHandler {
    /// The page is built into the executable: nothing to configure.
    public init() {}

    /// Answers every request with the page: the gateway routes only `GET /console` here.
    public func handle(_ request: FunctionRequest) -> FunctionResponse {
        FunctionResponse(
            statusCode: 200,
            headers: [
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": Self.contentSecurityPolicy,
                // The page changes with each deployment; a cached copy would call the API as it was.
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            ],
            body: ConsolePage.html)
    }

    /// Inline style and script only, API calls to this origin only, no frames, forms or other hosts.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}
