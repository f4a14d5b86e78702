public import FunctionRuntime
public import OrderAPI
import OrderDomain
import OrderStore

/// `PUT /order` with `{"id","status"}` and `PUT /order/{id}/status` with `{"status"}`: moves an order to the
/// next status of the flow.
///
/// Repeating the current status is a successful no-op. `If-Match` makes the change conditional on the version.
/// A change to `shipped` may carry a `shipment`, one to `in_transit` may update it. `cancelled` cancels the order
/// for reason `other`, as `POST /order/{id}/cancel` does. A real change records an `order_status_updated` event
/// (`order_cancelled` for a cancellation), delivered right after the answer; both name the request's actor.
public struct UpdateOrderStatus: OrderFunction {
    let change: OrderChange

    public init(context: OrderServiceContext, events: EventPublisher) {
        change = OrderChange(context: context, events: events)
    }

    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let update = try StatusUpdate(json: request.jsonBody(), pathID: request.pathParameters["id"])
        let now = change.context.now()
        return try change.apply(to: update.id, request: request) { document throws(OrderError) in
            try document.advance(to: update.status, shipment: update.shipment, at: now, by: request.actor)
        }
    }
}
