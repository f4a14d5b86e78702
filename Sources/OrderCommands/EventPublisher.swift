import CurlHTTP
import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderEvents
public import OrderStore
import StructuredLog
import Timestamps

/// Delivers the events of the changes a function makes: right after it answers, and in `dispatch-events`.
public struct EventPublisher: Sendable {
    /// The documents that hold the events, and the outbox that says which orders have some waiting.
    let store: any OrderDocumentStore & EventOutbox
    let now: @Sendable () -> Timestamp
    /// Where events are posted; with no URL, events are recorded but not posted.
    public let webhook: WebhookConfiguration
    /// Whether the webhook timed out lately, shared through the data directory; `nil` without one (a store in
    /// memory), and then every delivery is attempted.
    let health: WebhookHealth?

    /// A publisher of the events kept in `context.store`, posting them to `webhook`.
    public init(
        context: OrderServiceContext<some OrderDocumentStore & EventOutbox>,
        webhook: WebhookConfiguration
    ) {
        store = context.store
        now = context.now
        self.webhook = webhook
        health = context.dataDirectory.map(WebhookHealth.init(directory:))
    }

    /// A deliverer posting with libcurl, or `nil` when no webhook is configured. Loads libcurl (once).
    ///
    /// Each attempt's timeout is cut to what `invocation` has left before its deadline.
    func makeDeliverer(within invocation: InvocationContext) throws -> EventDeliverer? {
        guard webhook.url != nil else { return nil }
        var configuration = webhook
        configuration.timeoutMilliseconds = invocation.budget(wanting: webhook.timeoutMilliseconds)
        guard configuration.timeoutMilliseconds > 0 else { return nil }
        return EventDeliverer(
            store: store, configuration: configuration, transport: try CurlHTTPClient(), health: health,
            now: now)
    }

    /// Work to run after answering a request that changed `id`: deliver its due events at once, within the
    /// webhook timeout and the invocation's deadline. Undelivered events are only logged: the change is committed
    /// and `dispatch-events` will retry.
    ///
    /// While the webhook is marked unhealthy (an attempt timed out lately, see ``WebhookHealth``) nothing is
    /// attempted: the process would stay busy, and billed, for the whole timeout after every change, and under load
    /// every process would.
    func deliveryAfterResponse(of id: OrderID) -> (@Sendable (InvocationContext) -> Void)? {
        guard webhook.url != nil else { return nil }
        return { [self] invocation in
            if let health,
                case .skip(let until, let lastError) = health.verdict(
                    urlHost: webhook.loggableHost,
                    probeMilliseconds: Int64(invocation.budget(wanting: webhook.timeoutMilliseconds)) + 1000,
                    now: now())
            {
                FunctionLog.write(
                    "webhook_delivery_deferred", level: "warning",
                    fields: [
                        "order_id": id.rawValue, "reason": "the webhook timed out lately; dispatch-events delivers",
                        "webhook_unhealthy_until": until.description, "last_error": lastError,
                    ])
                return
            }
            do {
                guard var deliverer = try makeDeliverer(within: invocation) else {
                    FunctionLog.write(
                        "webhook_delivery_deferred", level: "warning",
                        fields: ["order_id": id.rawValue, "reason": "no time left before the deadline"])
                    return
                }
                _ = try deliverer.deliverDueEvents(
                    of: id, waitingAtMost: invocation.budget(wanting: webhook.timeoutMilliseconds))
            } catch {
                FunctionLog.write(
                    "webhook_delivery_failed", level: "error", fields: ["order_id": id.rawValue, "error": "\(error)"])
            }
        }
    }
}
