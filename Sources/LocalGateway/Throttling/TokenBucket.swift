import Synchronization

/// API Gateway's throttling algorithm for one route: a bucket of ``ThrottleSettings/burstLimit`` tokens, full at
/// first, refilled continuously at ``ThrottleSettings/rateLimit`` tokens a second; each request takes one, and a
/// request that finds none is throttled.
///
/// Thread-safe; taking a token costs a lock and a little arithmetic, no allocation.
final class TokenBucket: Sendable {
    let settings: ThrottleSettings
    private let state: Mutex<(tokens: Double, refilledAt: ContinuousClock.Instant?)>

    init(_ settings: ThrottleSettings) {
        self.settings = settings
        state = Mutex((Double(max(0, settings.burstLimit)), nil))
    }

    /// Takes a token at `now`: `true` when the request may go on, `false` when it is throttled.
    func take(at now: ContinuousClock.Instant = .now) -> Bool {
        let capacity = Double(max(0, settings.burstLimit))
        let rate = max(0, settings.rateLimit)
        return state.withLock { state in
            if let last = state.refilledAt {
                if now > last {
                    let elapsed = now - last
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    state.tokens = min(capacity, state.tokens + seconds * rate)
                    state.refilledAt = now
                }
            } else {
                state.refilledAt = now
            }
            guard state.tokens >= 1 else { return false }
            state.tokens -= 1
            return true
        }
    }
}
