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
/// through ``OrderDocumentStore/update(_:_:)``, which lays the outbox hint before the document commits, so
/// `dispatch-events` finds it even if the delivery right after the answer never runs. A dead event's dead letter is
/// removed once the document says it is pending.
/// A pending event is left as it is (it will be delivered anyway). Answers 202 with the event.
public struct RedeliverEvent: OrderFunction {
    let store: any OrderDocumentStore & EventOutbox
    let now: @Sendable () -> Timestamp
    let events: EventPublisher

    /// Redelivers events of orders in `context.store`; `events` delivers them right after the answer.
    public init(context: OrderServiceContext<some OrderDocumentStore & EventOutbox>, events: EventPublisher) {
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
        guard let (event, _) = try Self.redeliver(eventID, of: id, in: store, at: now()) else {
            throw OrderError.eventNotFound(eventID, order: id)
        }
        var response = FunctionResponse(
            statusCode: 202, headers: ["Content-Type": "application/json"], body: JSONBody.encode(event))
        response.afterResponse = events.deliveryAfterResponse(of: id)
        return response
    }

    /// Makes the event `eventID` of order `id` pending again, due at `time`, unless it is pending already; then
    /// removes its dead letter, if it had one.
    ///
    /// - Returns: the event as stored now and the state it had before, or `nil` if the order has no such event.
    /// - Throws: `order_not_found`; ``StoreError`` when the store fails (nothing changes).
    static func redeliver(
        _ eventID: String, of id: OrderID, in store: any OrderDocumentStore & EventOutbox, at time: Timestamp
    ) throws -> (event: OrderEvent, previousState: EventDelivery.State)? {
        let outcome = try store.update(id) { document -> (OrderEvent, EventDelivery.State)? in
            guard let index = document.events.firstIndex(where: { $0.id == eventID }) else { return nil }
            let state = document.events[index].delivery.state
            if state != .pending {
                document.events[index].delivery = document.events[index].delivery.redelivered(dueAt: time)
            }
            return (document.events[index], state)
        }
        if outcome?.1 == .dead { store.removeDeadLetter(eventID: eventID, of: id) }
        return outcome.map { (event: $0.0, previousState: $0.1) }
    }
}
