import FunctionRuntime
import OrderDomain
import OrderStore

/// `PUT /order` with `{"id","status"}` and `PUT /order/{id}/status` with `{"status"}`: moves an order to the
/// next status of the flow.
///
/// Repeating the current status is a successful no-op. `If-Match` makes the change conditional on the version.
public struct UpdateOrderStatus: OrderFunction {
    let context: OrderServiceContext

    public init(context: OrderServiceContext) {
        self.context = context
    }

    func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let update = try StatusUpdate(json: request.jsonBody(), pathID: request.pathParameters["id"])
        let condition = try EntityTagCondition(header: "If-Match", value: request.header("if-match"))
        let order = try context.store.update(update.id) { document in
            if let condition, !condition.matchesStrongly(document.order.entityTag) {
                throw OrderError.versionMismatch(
                    order: update.id, current: document.order.version, expected: condition.tagList)
            }
            try document.order.advance(to: update.status, at: context.now())
            return document.order
        }
        return .order(order)
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
