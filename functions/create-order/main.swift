import FunctionProcess
import OrderAPI
import OrderCommands
import OrderEvents

FunctionMain.run(function: "create-order") {
    let context = try OrderServiceContext.fromEnvironment()
    return CreateOrder(
        context: context, events: EventPublisher(context: context, webhook: try .fromEnvironment()),
        idempotency: try .fromEnvironment())
}
