import FunctionRuntime
import OrderDomain
import OrderStore

/// `POST /order`: validates an order, stores it at `pending_confirmation`, answers 201 with it.
public struct CreateOrder: OrderFunction {
    let context: OrderServiceContext

    public init(context: OrderServiceContext) {
        self.context = context
    }

    func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let draft = try OrderDraft(json: request.jsonBody())
        let now = context.now()
        let order = Order(draft: draft, id: draft.id ?? .generate(at: now), at: now)
        try context.store.create(OrderDocument(order: order))
        return .order(order, status: 201, headers: ["Location": "/order/\(order.id)"])
    }
}
