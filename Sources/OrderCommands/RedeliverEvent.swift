public import FunctionRuntime
public import OrderAPI
import OrderDomain
import OrderHTTP
public import OrderStore
import Timestamps

/// `POST /order/{id}/events/{event_id}/redeliver`: sends a dead or delivered event again, under the same id.
///
/// The event becomes pending with a fresh round of attempts; its earlier rounds stay in its delivery history.
/// Per-order order still holds without any new mechanism: the deliverer always takes the order's first pending
/// event in version order, and every event after a redelivered one that is still pending has a higher version, so
/// the redelivered event goes out first and holds the later ones back until it is delivered or dead. The write goes
/// through ``OrderRepository/update(_:_:)``, which lays the outbox hint before the document commits, so
/// `dispatch-events` finds it even if the delivery right after the answer never runs.
/// A pending event is left as it is (it will be delivered anyway). Answers 202 with the event.
public struct RedeliverEvent: OrderFunction {
    let store: any OrderDocumentStore
    let now: @Sendable () -> Timestamp
    let events: EventPublisher

    /// Redelivers events of orders in `context.store`; `events` delivers them right after the answer.
    public init(context: OrderServiceContext<some OrderDocumentStore>, events: EventPublisher) {
        store = context.store
        now = context.now
        self.events = events
    }

    /// Answers 202 with the event and its delivery state.
    ///
    /// - Throws: `order_not_found`, `event_not_found`; ``StoreError`` when the store fails (nothing changes).
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let id = try request.orderIDFromPath()
        let eventID = request.pathParameters["event_id"] ?? ""
        let event = try store.update(id) { document -> OrderEvent in
            guard let index = document.events.firstIndex(where: { $0.id == eventID }) else {
                throw OrderError.eventNotFound(eventID, order: id)
            }
            if document.events[index].delivery.state != .pending {
                document.events[index].delivery = document.events[index].delivery.redelivered(dueAt: now())
            }
            return document.events[index]
        }
        var response = FunctionResponse(
            statusCode: 202, headers: ["Content-Type": "application/json"], body: JSONBody.encode(event))
        response.afterResponse = events.deliveryAfterResponse(of: id)
        return response
    }
}
