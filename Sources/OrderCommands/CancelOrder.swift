public import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderStore

/// `POST /order/{id}/cancel` with `{"reason", "note"}`: cancels an order that has not shipped.
///
/// Cancelling a cancelled order is a successful no-op (version unchanged, the first reason kept). An order that
/// has shipped is refused with `invalid_transition`. `If-Match` makes the cancellation conditional on the version.
/// A real cancellation records an `order_cancelled` event with the reason, delivered right after the answer.
public struct CancelOrder: OrderFunction {
    let change: OrderChange

    /// Cancels orders in `context.store`; `events` delivers the `order_cancelled` events.
    public init(context: OrderServiceContext<some OrderDocumentStore>, events: EventPublisher) {
        change = OrderChange(context: context, events: events)
    }

    /// Answers 200 with the order as it now stands.
    ///
    /// - Throws: `validation_failed`, `malformed_json`, `unsupported_media_type`, `invalid_header` (a bad
    ///   `If-Match`), `order_not_found`, `invalid_transition` (the order has shipped), `version_mismatch`;
    ///   ``StoreError`` when the store fails. Nothing changes when it throws.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let cancellation = try CancellationRequest(json: request.jsonBody(), pathID: request.pathParameters["id"] ?? "")
        let now = change.now()
        return try change.apply(to: cancellation.id, request: request) { document throws(OrderError) in
            try document.cancel(cancellation.reason, note: cancellation.note, at: now, by: request.actor)
        }
    }
}
