public import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderStore
import Timestamps

/// `PUT /order` with `{"id","status"}` and `PUT /order/{id}/status` with `{"status"}`: moves an order to the
/// next status of the flow.
///
/// Repeating the current status is a successful no-op. `If-Match` makes the change conditional on the version.
/// A real change records an `order_status_updated` event, delivered right after the answer.
public struct UpdateOrderStatus: OrderFunction {
    let orders: any OrderDocumentStore
    let now: @Sendable () -> Timestamp
    let events: EventPublisher

    /// Changes orders in `context.store`; `events` delivers the events of the changes.
    public init(context: OrderServiceContext<some OrderDocumentStore>, events: EventPublisher) {
        orders = context.store
        now = context.now
        self.events = events
    }

    /// Answers 200 with the order as it now stands.
    ///
    /// - Throws: `validation_failed`, `malformed_json`, `unsupported_media_type`, `invalid_header` (a bad
    ///   `If-Match`), `order_not_found`, `invalid_transition`, `version_mismatch`; ``StoreError`` when the store
    ///   fails. Nothing changes when it throws.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let update = try StatusUpdate(json: request.jsonBody(), pathID: request.pathParameters["id"])
        let condition = try EntityTagCondition(header: "If-Match", value: request.header("if-match"))
        let (order, changed) = try orders.update(update.id) { document in
            if let condition, !condition.matchesStrongly(document.order.entityTag) {
                throw OrderError.versionMismatch(
                    order: update.id, current: document.order.version, expected: condition.tagList)
            }
            let changed = try document.advance(to: update.status, at: now())
            return (document.order, changed)
        }
        var response = FunctionResponse.order(order)
        if changed { response.afterResponse = events.deliveryAfterResponse(of: order.id) }
        return response
    }
}

extension EntityTagCondition {
    fileprivate var tagList: [String] {
        switch self {
        case .any: ["*"]
        case .tags(let tags): tags
        }
    }
}
