/// The token buckets of a template's throttled routes, one per route as API Gateway keeps them: a route's limits
/// (its own `RouteSettings`, else its stage's `DefaultRouteSettings`) apply to that route alone.
public struct RouteThrottles: Sendable {
    private let buckets: [String: TokenBucket]

    /// A bucket for each route of `routes` with ``RouteDefinition/throttle`` set; other routes are never throttled.
    public init(routes: RouteTable) {
        var buckets: [String: TokenBucket] = [:]
        for route in routes.allRoutes {
            if let settings = route.definition.throttle {
                buckets[route.definition.routeKey] = TokenBucket(settings)
            }
        }
        self.buckets = buckets
    }

    /// Whether a request to `route` may go on now; `false` takes nothing and means 429.
    public func admit(_ route: RouteDefinition) -> Bool {
        buckets[route.routeKey]?.take() ?? true
    }
}

extension GatewayResponse {
    /// API Gateway's answer to a throttled request: 429 `{"message":"Too Many Requests"}`.
    static var tooManyRequests: GatewayResponse {
        GatewayResponse(
            status: 429, headers: [HeaderField("Content-Type", "application/json")],
            body: Array(#"{"message":"Too Many Requests"}"#.utf8))
    }
}
