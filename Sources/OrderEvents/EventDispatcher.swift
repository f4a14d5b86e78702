import OrderDomain
public import OrderStore
public import Timestamps

/// Delivers every due event of every order that has some: the work of the `dispatch-events` function.
///
/// Orders are found through the store's outbox hints, not by reading every order.
public struct EventDispatcher {
    var deliverer: EventDeliverer
    let store: any EventOutbox

    /// A dispatcher of the orders that `store`'s outbox hints at, each delivered by `deliverer`.
    public init(deliverer: EventDeliverer, store: any EventOutbox) {
        self.deliverer = deliverer
        self.store = store
    }

    /// What one run did.
    public struct Summary: Encodable, Sendable, Equatable {
        public var ordersChecked = 0
        /// Orders skipped because another process was delivering their events.
        public var ordersBusy = 0
        public var delivered = 0
        public var failed = 0
        public var deadLettered = 0
        /// When the oldest event still pending after the run occurred, among the orders checked; `nil` when none
        /// is. Not part of the function's answer: `dispatch-events` reports it as a metric.
        public var oldestPendingAt: Timestamp?

        /// An empty report: nothing delivered yet.
        public init() {}

        enum CodingKeys: String, CodingKey {
            case ordersChecked = "orders_checked"
            case ordersBusy = "orders_busy"
            case delivered, failed
            case deadLettered = "dead_lettered"
        }
    }

    /// Runs once over the hinted orders, oldest hint first, while `shouldContinue` says there is time left, then
    /// checkpoints the store (see ``EventOutbox/checkpoint()``).
    public mutating func run(shouldContinue: () -> Bool = { true }) throws -> Summary {
        var summary = Summary()
        for id in try store.ordersWithPendingEvents() {
            guard shouldContinue() else { break }
            // Another process delivering this order right now will see its events through; skip it.
            let report = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
            summary.ordersChecked += 1
            if report.busy { summary.ordersBusy += 1 }
            summary.delivered += report.delivered
            summary.failed += report.failed
            summary.deadLettered += report.deadLettered
            if let pending = report.oldestPendingAt {
                summary.oldestPendingAt = min(summary.oldestPendingAt ?? pending, pending)
            }
        }
        // Off the request path: the journals' records of this run, and of the writes since the last, into their files.
        try store.checkpoint()
        return summary
    }
}
