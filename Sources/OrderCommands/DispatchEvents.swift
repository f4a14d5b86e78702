public import FunctionRuntime
import OrderAPI
import OrderEvents
import Timestamps

/// The `dispatch-events` function: delivers every due event of every order with pending events.
///
/// It runs on a schedule and on demand; its input (a scheduled event, or `{}`) is not read. It answers with a
/// summary of what it did.
public struct DispatchEvents: EventHandler {
    let events: EventPublisher
    /// How long one run may take before it stops starting new orders.
    let budgetMilliseconds: Int64

    public init(events: EventPublisher, budgetMilliseconds: Int64 = 50_000) {
        self.events = events
        self.budgetMilliseconds = budgetMilliseconds
    }

    public func handle(event: [UInt8]) throws -> String {
        guard let deliverer = try events.makeDeliverer() else {
            return JSONBody.encode(Result(webhookConfigured: false, summary: EventDispatcher.Summary()))
        }
        let deadline = Timestamp.monotonicNanoseconds() + budgetMilliseconds * 1_000_000
        var dispatcher = EventDispatcher(deliverer: deliverer, store: events.context.store)
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
