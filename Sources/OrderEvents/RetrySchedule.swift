public import Timestamps

/// How long to wait before each retry of a failed delivery, after the first attempt.
///
/// The default follows the Standard Webhooks suggestion: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
/// 14 h, 20 h and 24 h, about three days in all. Each wait gets ±20% jitter, so that many events failing at once
/// do not all retry at once.
public struct RetrySchedule: Sendable, Equatable {
    /// The waits in milliseconds; one attempt more than there are waits is made in all.
    public var waits: [Int64]
    /// How much each wait may vary, as a fraction of it: 0.2 is ±20%.
    public var jitter: Double

    /// A schedule of `waits` (seconds after each failed attempt); each wait varies by up to `jitter` of itself either way.
    public init(waits: [Int64], jitter: Double = 0.2) {
        self.waits = waits
        self.jitter = jitter
    }

    /// The schedule the Standard Webhooks specification recommends, the default.
    public static let standardWebhooks = RetrySchedule(
        waits: [
            5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400,
        ].map { Int64($0) * 1000 })

    /// All attempts, the first included.
    public var maximumAttempts: Int { waits.count + 1 }

    /// Reads `5s,5m,30m,2h` (units `ms`, `s`, `m`, `h`, `d`).
    public init?(text: String) {
        var waits: [Int64] = []
        for part in text.split(separator: ",") {
            let item = part.filter { $0 != " " }
            let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
            guard
                let (suffix, scale) = units.first(where: {
                    item.hasSuffix($0.0) && Int64(item.dropLast($0.0.count)) != nil
                }),
                let amount = Int64(item.dropLast(suffix.count)), amount >= 0
            else { return nil }
            waits.append(amount * scale)
        }
        guard !waits.isEmpty else { return nil }
        self.init(waits: waits)
    }

    /// When to try again after `attempts` failed attempts, or `nil` when none are left.
    public func nextAttempt(
        afterAttempts attempts: Int, now: Timestamp, using generator: inout some RandomNumberGenerator
    ) -> Timestamp? {
        guard attempts >= 1, attempts <= waits.count else { return nil }
        let wait = waits[attempts - 1]
        let jitter = Int64(Double(wait) * self.jitter)
        let jittered = wait + (jitter > 0 ? Int64.random(in: -jitter...jitter, using: &generator) : 0)
        return now.adding(milliseconds: jittered)
    }

    /// The longest a `Retry-After` may postpone an attempt: 24 hours, the longest wait of the default schedule.
    public static let longestRetryAfter: Int64 = 86_400_000
}
