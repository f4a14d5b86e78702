public import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderHTTP
import OrderStore
import StructuredLog
import Timestamps

/// A change of one order's status, as the status and cancellation requests make it: `If-Match` checked under the
/// order's lock, the change applied, the order answered with its `ETag`, and the change's event delivered after.
struct OrderChange {
    let orders: any OrderDocumentStore
    let now: @Sendable () -> Timestamp
    let events: EventPublisher

    init(context: OrderServiceContext<some OrderDocumentStore>, events: EventPublisher) {
        orders = context.store
        now = context.now
        self.events = events
    }

    /// Applies `change` to the order with `id` if `If-Match` (when sent) names its current version.
    ///
    /// `change` returns whether the order really changed; only then is its event delivered.
    /// - Throws: `invalid_header` for an unreadable `If-Match`, `version_mismatch`, `order_not_found`, and
    ///   whatever `change` throws; nothing is written then.
    func apply(
        to id: OrderID, request: FunctionRequest, _ change: (inout OrderDocument) throws(OrderError) -> Bool
    ) throws -> FunctionResponse {
        let condition = try EntityTagCondition(header: "If-Match", value: request.header("if-match"))
        let (order, changed) = try orders.update(id) { document in
            if let condition, !condition.matchesStrongly(document.order.entityTag) {
                throw OrderError.versionMismatch(
                    order: id, current: document.order.version, expected: condition.tagList)
            }
            let changed = try change(&document)
            return (document.order, changed)
        }
        var response = FunctionResponse.order(order)
        if changed {
            response.afterResponse = events.deliveryAfterResponse(of: order.id)
            response.metrics = Metric.statusChange(of: order)
        }
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
