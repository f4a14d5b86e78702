public import FunctionRuntime
import OrderAPI
import OrderEvents
public import OrderHTTP
import OrderStore
import StructuredLog
import SystemSupport
import Timestamps

/// The `dispatch-events` function: delivers every due event of every order with pending events.
///
/// It runs on a schedule and on demand; its input (a scheduled event, or `{}`) is not read. It answers with a
/// summary of what it did.
public struct DispatchEvents: EventHandler {
    let events: EventPublisher
    /// How long one run may take before it stops starting new orders, when the invocation has no deadline.
    let budgetMilliseconds: Int64

    /// A dispatcher posting with `events`, starting no new order after `budgetMilliseconds` when the invocation
    /// has no deadline of its own.
    public init(events: EventPublisher, budgetMilliseconds: Int64 = 50_000) {
        self.events = events
        self.budgetMilliseconds = budgetMilliseconds
    }

    /// Delivers what is due and answers with the run's summary; without a webhook, delivers nothing. Either way, then
    /// checkpoints the store's journals (see ``EventOutbox/checkpoint()``).
    ///
    /// - Throws: when libcurl cannot be loaded, or the store fails (``StoreError``); what was delivered before stays
    ///   recorded.
    public func handle(event: [UInt8], context invocation: InvocationContext) throws -> String {
        guard let deliverer = try events.makeDeliverer(within: invocation) else {
            try events.store.checkpoint()  // As after deliveries (see EventDispatcher.run).
            return JSONBody.encode(Result(webhookConfigured: false, summary: EventDispatcher.Summary()))
        }
        // Stop starting new orders while there is still time to finish the one under way.
        let budget = Int64(
            invocation.budget(wanting: Int(budgetMilliseconds), margin: events.webhook.timeoutMilliseconds + 500))
        let deadline = Timestamp.monotonicNanoseconds() + budget * 1_000_000
        var dispatcher = EventDispatcher(deliverer: deliverer, store: events.store)
        let summary = try dispatcher.run { Timestamp.monotonicNanoseconds() < deadline }
        let waited = summary.oldestPendingAt.map { events.now().millisecondsSinceEpoch - $0.millisecondsSinceEpoch }
        FunctionLog.write(
            "dispatch_run", fields: RunLog(summary: summary),
            metrics: [.oldestPendingEventAge(seconds: Double(max(0, waited ?? 0)) / 1000)])
        return JSONBody.encode(Result(webhookConfigured: true, summary: summary))
    }

    /// The log line of one run: what it did, and as a metric how long the oldest event still pending has waited.
    struct RunLog: LogFields {
        var summary: EventDispatcher.Summary

        func write(to json: inout JSONWriter) {
            json.field("orders_checked", summary.ordersChecked)
            json.field("orders_busy", summary.ordersBusy)
            json.field("delivered", summary.delivered)
            json.field("failed", summary.failed)
            json.field("dead_lettered", summary.deadLettered)
            json.fieldIfPresent("oldest_pending_at", summary.oldestPendingAt?.description)
        }
    }

    struct Result: Encodable {
        var webhookConfigured: Bool
        var summary: EventDispatcher.Summary

        enum CodingKeys: String, CodingKey {
            case webhookConfigured = "webhook_configured"
            case summary
        }
    }
}
