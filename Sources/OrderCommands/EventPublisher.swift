import CurlHTTP
import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderEvents

/// Delivers the events of the changes a function makes: right after it answers, and in `dispatch-events`.
public struct EventPublisher: Sendable {
    let context: OrderServiceContext
    /// Where events are posted; with no URL, events are recorded but not posted.
    public let webhook: WebhookConfiguration

    public init(context: OrderServiceContext, webhook: WebhookConfiguration) {
        self.context = context
        self.webhook = webhook
    }

    /// A deliverer posting with libcurl, or `nil` when no webhook is configured. Loads libcurl (once).
    func makeDeliverer() throws -> EventDeliverer? {
        guard webhook.url != nil else { return nil }
        return EventDeliverer(
            store: context.store, configuration: webhook, transport: try CurlHTTPClient(), now: context.now)
    }

    /// Work to run after answering a request that changed `id`: deliver its due events at once, within the
    /// webhook timeout. A failure is only logged: the change is committed and `dispatch-events` will retry.
    func deliveryAfterResponse(of id: OrderID) -> (@Sendable () -> Void)? {
        guard webhook.url != nil else { return nil }
        return { [self] in
            do {
                guard var deliverer = try makeDeliverer() else { return }
                _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: webhook.timeoutMilliseconds)
            } catch {
                FunctionLog.write(
                    "webhook_delivery_failed", level: "error", fields: ["order_id": id.rawValue, "error": "\(error)"])
            }
        }
    }
}
