public import FunctionRuntime
import OrderDomain
public import OrderHTTP
public import OrderStore

/// `GET /order/{id}`: the order with its version as `ETag`; 304 when `If-None-Match` already has it.
public struct GetOrder: OrderFunction {
    let orders: any OrderDocumentStore

    /// Reads from `context.store`.
    public init(context: OrderServiceContext<some OrderDocumentStore>) {
        orders = context.store
    }

    /// Answers 200 with the order and its `ETag`, or 304 when `If-None-Match` matches it; 404 for an unknown id.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let order = try request.orderFromPath(in: orders)
        if let condition = try EntityTagCondition(header: "If-None-Match", value: request.header("if-none-match")),
            condition.matchesWeakly(order.entityTag)
        {
            return FunctionResponse(statusCode: 304, headers: ["ETag": order.entityTag])
        }
        return .order(order)
    }
}
