public import FunctionRuntime
import OrderDomain
public import OrderHTTP
public import OrderStore
import SystemSupport

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

    struct EventList: JSONWritable {
        var orderID: OrderID
        /// Without a webhook, events stay pending until one is configured.
        var webhookConfigured: Bool
        var events: [OrderEvent]

        func writeJSON(into json: inout JSONWriter) {
            json.object { json in
                json.field("events", events)
                json.field("order_id", orderID.rawValue)
                json.field("webhook_configured", webhookConfigured)
            }
        }
    }
}
