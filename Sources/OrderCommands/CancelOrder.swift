public import FunctionRuntime
public import OrderAPI
import OrderDomain
import OrderStore

/// `POST /order/{id}/cancel` with `{"reason", "note"}`: cancels an order that has not shipped.
///
/// Cancelling a cancelled order is a successful no-op (version unchanged, the first reason kept). An order that
/// has shipped is refused with `invalid_transition`. `If-Match` makes the cancellation conditional on the version.
/// A real cancellation records an `order_cancelled` event with the reason, delivered right after the answer.
public struct CancelOrder: OrderFunction {
    let change: OrderChange

    public init(context: OrderServiceContext, events: EventPublisher) {
        change = OrderChange(context: context, events: events)
    }

    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let cancellation = try CancellationRequest(json: request.jsonBody(), pathID: request.pathParameters["id"] ?? "")
        let now = change.context.now()
        return try change.apply(to: cancellation.id, request: request) { document throws(OrderError) in
            try document.cancel(cancellation.reason, note: cancellation.note, at: now, by: request.actor)
        }
    }
}
