public import FunctionRuntime
import OrderDomain
public import OrderHTTP
import OrderStore

/// `GET /order/{id}/events`: the order's events, oldest first, each with its delivery state.
public struct GetOrderEvents: OrderFunction {
    let context: OrderServiceContext

    public init(context: OrderServiceContext) {
        self.context = context
    }

    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let document = try request.orderDocumentFromPath(in: context.store)
        let body = EventList(
            orderID: document.order.id, webhookConfigured: context.webhookConfigured, events: document.events)
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
