import FunctionProcess
import OrderAPI
import OrderCommands
import OrderEvents

FunctionMain.run(function: "update-order-status") {
    let context = try OrderServiceContext.fromEnvironment()
    return UpdateOrderStatus(
        context: context, events: EventPublisher(context: context, webhook: try .fromEnvironment()))
}
