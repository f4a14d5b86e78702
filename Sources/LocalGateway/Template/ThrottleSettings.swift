/// The throttling of one HTTP API route, from its stage's `DefaultRouteSettings` and `RouteSettings`: API Gateway's
/// token bucket, which holds up to ``burstLimit`` requests and refills at ``rateLimit`` requests a second.
public struct ThrottleSettings: Sendable, Equatable {
    /// API Gateway's account-level limits per Region, which apply to a limit the template leaves unset.
    public static let accountDefault = ThrottleSettings(burstLimit: 5000, rateLimit: 10000)

    /// `ThrottlingBurstLimit`: the bucket's size, the most requests answered at once after a quiet spell. 0 refuses
    /// every request.
    public var burstLimit: Int
    /// `ThrottlingRateLimit`: requests a second the bucket refills by, the steady rate allowed.
    public var rateLimit: Double

    /// A bucket of `burstLimit` tokens refilled by `rateLimit` a second.
    public init(burstLimit: Int, rateLimit: Double) {
        self.burstLimit = burstLimit
        self.rateLimit = rateLimit
    }
}

/// Route settings as one place of a template gives them, either limit possibly unset; a more specific place
/// (the route's own settings) wins limit by limit over a less specific one (the stage's defaults).
struct RouteThrottling: Sendable, Equatable {
    var burstLimit: Int?
    var rateLimit: Double?

    var isEmpty: Bool { burstLimit == nil && rateLimit == nil }

    /// `self`, with the limits it leaves unset taken from `fallback`.
    func over(_ fallback: RouteThrottling?) -> RouteThrottling {
        RouteThrottling(burstLimit: burstLimit ?? fallback?.burstLimit, rateLimit: rateLimit ?? fallback?.rateLimit)
    }

    /// The settings of a route: `nil` when no limit is set anywhere (the route is not throttled locally), else each
    /// limit left unset at API Gateway's account-level default.
    var resolved: ThrottleSettings? {
        guard !isEmpty else { return nil }
        return ThrottleSettings(
            burstLimit: burstLimit ?? ThrottleSettings.accountDefault.burstLimit,
            rateLimit: rateLimit ?? ThrottleSettings.accountDefault.rateLimit)
    }
}
