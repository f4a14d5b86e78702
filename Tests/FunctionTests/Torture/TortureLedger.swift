import Foundation

/// What the clients of a crash torture were told, and what the kills did: the record the store is checked against.
actor TortureLedger {
    /// The order flow, every status an order can have, in order.
    static let flow = ["pending_confirmation"] + ConcurrentProcessTests.statuses

    /// One order as its client knows it.
    struct TrackedOrder {
        let id: String
        /// The `Idempotency-Key` its creation was sent with, if any.
        let idempotencyKey: String?
        /// The statuses a 2xx answer confirmed, in the order the client moved through them.
        var acknowledgedStatuses: [String] = []
        /// Whether its client got every change it asked for confirmed, so that its last status is known exactly.
        var isSettled = false
    }

    /// How many kills the run aims for.
    let killTarget: Int
    /// The share of invocations that get a kill scheduled, while kills are still wanted.
    let killProbability: Double
    /// How long the last invocations that ran to their end took, newest last; the kill window follows them, so that
    /// it stays right whether the machine is busy or idle.
    private var recentDurations: [Duration]

    private(set) var invocations = 0
    private(set) var killsBeforeAnswer = 0
    private(set) var killsAfterAnswer = 0
    private(set) var orders: [String: TrackedOrder] = [:]
    /// Answers a correct service never gives to these clients; each is a failure of the run.
    private(set) var surprises: [String] = []

    /// - Parameter typicalInvocation: how long an invocation takes before any has run here.
    init(killTarget: Int, killProbability: Double = 0.6, typicalInvocation: Duration) {
        self.killTarget = killTarget
        self.killProbability = killProbability
        recentDurations = [typicalInvocation]
    }

    /// The median of the recent invocations.
    var typicalInvocation: Duration {
        recentDurations.sorted()[recentDurations.count / 2]
    }

    /// The longest delay before a kill: a bit more than a typical invocation, so kills land in every phase of one,
    /// from before the lock to the event delivery after the answer.
    var longestKillDelay: Duration { typicalInvocation * 1.25 }

    var kills: Int { killsBeforeAnswer + killsAfterAnswer }
    var wantsMoreKills: Bool { kills < killTarget }
    /// Whether the clients should keep going: kills are still wanted, and few surprises came (one bug is enough to
    /// report; a flood of them only slows the run down).
    var wantsToGoOn: Bool { wantsMoreKills && surprises.count < 20 }

    /// When to kill the next invocation, or `nil` to let it run: a uniform delay up to ``longestKillDelay``.
    func nextKillDelay() -> Duration? {
        guard wantsMoreKills, Double.random(in: 0..<1) < killProbability else { return nil }
        let microseconds = Int64(longestKillDelay / .microseconds(1))
        return .microseconds(Int64.random(in: 0...microseconds))
    }

    func count(_ invocation: KillableInvocation) {
        invocations += 1
        guard invocation.wasKilled else {
            recentDurations = (recentDurations + [invocation.result.duration]).suffix(31)
            return
        }
        if invocation.response == nil { killsBeforeAnswer += 1 } else { killsAfterAnswer += 1 }
    }

    func track(_ id: String, idempotencyKey: String?) {
        orders[id] = TrackedOrder(id: id, idempotencyKey: idempotencyKey)
    }

    func acknowledge(_ status: String, of id: String) {
        orders[id]?.acknowledgedStatuses.append(status)
    }

    func settle(_ id: String) {
        orders[id]?.isSettled = true
    }

    func surprise(_ description: String) {
        surprises.append(description)
    }

    var summary: String {
        "\(orders.count) orders, \(invocations) invocations, \(kills) kills (\(killsBeforeAnswer) before the answer, "
            + "\(killsAfterAnswer) after it)"
    }
}
