public import FunctionRuntime
import OrderAPI
import OrderEvents
public import OrderHTTP
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

    /// Delivers what is due and answers with the run's summary; without a webhook, delivers nothing.
    ///
    /// - Throws: when libcurl cannot be loaded, or the store fails (``StoreError``); what was delivered before stays
    ///   recorded.
    public func handle(event: [UInt8], context invocation: InvocationContext) throws -> String {
        guard let deliverer = try events.makeDeliverer(within: invocation) else {
            return JSONBody.encode(Result(webhookConfigured: false, summary: EventDispatcher.Summary()))
        }
        // Stop starting new orders while there is still time to finish the one under way.
        let budget = Int64(
            invocation.budget(wanting: Int(budgetMilliseconds), margin: events.webhook.timeoutMilliseconds + 500))
        let deadline = Timestamp.monotonicNanoseconds() + budget * 1_000_000
        var dispatcher = EventDispatcher(deliverer: deliverer, store: events.store)
        let summary = try dispatcher.run { Timestamp.monotonicNanoseconds() < deadline }
        return JSONBody.encode(Result(webhookConfigured: true, summary: summary))
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
