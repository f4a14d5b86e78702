import FunctionProcess
import OrderAPI
import OrderCommands
import OrderEvents

FunctionMain.run(function: "cancel-order") {
    let context = try OrderServiceContext.fromEnvironment()
    return CancelOrder(context: context, events: EventPublisher(context: context, webhook: try .fromEnvironment()))
}
