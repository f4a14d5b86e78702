public import FunctionRuntime
import OrderDomain
public import OrderHTTP
public import OrderStore

/// `GET /order/{id}/events`: the order's events, oldest first, each with its delivery state.
public struct GetOrderEvents: OrderFunction {
    let orders: any OrderDocumentStore
    let webhookConfigured: Bool

    /// Reads from `context.store`.
    public init(context: OrderServiceContext<some OrderDocumentStore>) {
        orders = context.store
        webhookConfigured = context.webhookConfigured
    }

    /// Answers 200 with the order's events in the order they were made, each with its delivery state; 404 for an
    /// unknown id.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let document = try request.orderDocumentFromPath(in: orders)
        let body = EventList(
            orderID: document.order.id, webhookConfigured: webhookConfigured, events: document.events)
        return FunctionResponse(
            statusCode: 200, headers: ["Content-Type": "application/json", "ETag": document.order.entityTag],
            body: JSONBody.encode(body))
    }

    struct EventList: Encodable {
        var orderID: OrderID
        /// Without a webhook, events stay pending until one is configured.
        var webhookConfigured: Bool
        var events: [OrderEvent]

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case webhookConfigured = "webhook_configured"
            case events
        }
    }
}
