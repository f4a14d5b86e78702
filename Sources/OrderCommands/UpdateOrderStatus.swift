public import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderHTTP
public import OrderStore
import Timestamps

/// `PUT /order` with `{"id","status"}` and `PUT /order/{id}/status` with `{"status"}`: moves an order to the
/// next status of the flow.
///
/// Repeating the current status is a successful no-op. `If-Match` makes the change conditional on the version.
/// A change to `shipped` may carry a `shipment`, one to `in_transit` may update it. `cancelled` cancels the order
/// for reason `other`, as `POST /order/{id}/cancel` does. A real change records an `order_status_updated` event
/// (`order_cancelled` for a cancellation), delivered right after the answer; both name the request's actor.
public struct UpdateOrderStatus: OrderFunction {
    let change: OrderChange

    /// Changes orders in `context.store`; `events` delivers the events of the changes.
    public init(context: OrderServiceContext<some OrderDocumentStore>, events: EventPublisher) {
        change = OrderChange(context: context, events: events)
    }

    /// Answers 200 with the order as it now stands.
    ///
    /// - Throws: `validation_failed`, `malformed_json`, `unsupported_media_type`, `invalid_header` (a bad
    ///   `If-Match`), `order_not_found`, `invalid_transition`, `version_mismatch`; ``StoreError`` when the store
    ///   fails. Nothing changes when it throws.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let update = try StatusUpdate(json: request.jsonBody(), pathID: request.pathParameters["id"])
        let now = change.now()
        return try change.apply(to: update.id, request: request) { document throws(OrderError) in
            try document.advance(to: update.status, shipment: update.shipment, at: now, by: request.actor)
        }
    }
}
