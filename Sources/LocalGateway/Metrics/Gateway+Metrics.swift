/// `GET /metrics`: the gateway's own figures (``GatewayMetrics``), answered by the gateway, never by a function.
extension Gateway {
    /// The answer to a request for the figures, or `nil` when the request is for another path or no figures are
    /// kept.
    ///
    /// From loopback no token is asked for. From anywhere else (a gateway started with `--host 0.0.0.0`), while
    /// authorizers are on, the request needs a token of the template's first authorizer with the scope
    /// `orders/admin`, as the operators' routes do: the figures name routes and functions and show the load.
    /// Only `GET` is served; any other method is a 405 with `Allow: GET`.
    func metricsAnswer(to request: GatewayRequest) async -> GatewayResponse? {
        guard let metrics, request.path == GatewayMetrics.path else { return nil }
        guard request.method == "GET" else {
            return GatewayResponse(.methodNotAllowed(method: request.method, path: request.path, allowed: ["GET"]))
        }
        if !Self.isLoopback(request.sourceIP), let authorizer, let definition = template.authorizers.first {
            let authorization = RouteAuthorization(authorizer: definition, scopes: [Self.metricsScope])
            if case .failure(let refusal) = await authorizer.authorize(request, for: authorization) {
                return GatewayResponse(refusal)
            }
        }
        return GatewayResponse(
            status: 200, headers: [HeaderField("Content-Type", GatewayMetrics.contentType)],
            body: metrics.exposition(pools: invoker.warmPools()))
    }

    /// The scope a token from another host needs for the figures.
    static let metricsScope = "orders/admin"

    /// The `route` label of a request: its route's key, the gateway's own path, `preflight` for a CORS preflight,
    /// or `unmatched`, so that the label never holds a path a client made up. `invoked` is the route whose function
    /// ran, when one did: the route is not looked up again.
    func metricsRoute(for request: GatewayRequest, invoked: RouteDefinition? = nil) -> String {
        if request.path == GatewayMetrics.path || request.path == OpenAPIDocument.path && openAPIDocument != nil {
            return "\(request.method) \(request.path)"
        }
        if request.method == "OPTIONS", request.header("Access-Control-Request-Method") != nil {
            return "preflight"
        }
        if let invoked { return invoked.routeKey }
        if case .matched(let match) = routes.lookup(method: request.method, path: request.path) {
            return match.route.definition.routeKey
        }
        return "unmatched"
    }

    /// Whether `address` is the host's own: 127.0.0.0/8 or ::1, also as an IPv4-mapped IPv6 address.
    static func isLoopback(_ address: String) -> Bool {
        let address = address.hasPrefix("::ffff:") ? String(address.dropFirst("::ffff:".count)) : address
        return address.hasPrefix("127.") || address == "::1"
    }
}
