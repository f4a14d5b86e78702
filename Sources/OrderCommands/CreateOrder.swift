public import FunctionRuntime
public import OrderAPI
import OrderDomain
import OrderStore

/// `POST /order`: validates an order, stores it at `pending_confirmation` with its `order_added` event, answers 201
/// with it, then delivers the event.
public struct CreateOrder: OrderFunction {
    let context: OrderServiceContext
    let events: EventPublisher

    public init(context: OrderServiceContext, events: EventPublisher) {
        self.context = context
        self.events = events
    }

    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let draft = try OrderDraft(json: request.jsonBody())
        let now = context.now()
        let order = Order(draft: draft, id: draft.id ?? .generate(at: now), at: now)
        try context.store.create(OrderDocument(newOrder: order))
        var response = FunctionResponse.order(order, status: 201, headers: ["Location": "/order/\(order.id)"])
        response.afterResponse = events.deliveryAfterResponse(of: order.id)
        return response
    }
}
