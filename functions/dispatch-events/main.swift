import FunctionProcess
import OrderAPI
import OrderCommands
import OrderEvents

FunctionMain.runEvent(function: "dispatch-events") {
    let context = try OrderServiceContext.fromEnvironment()
    return DispatchEvents(events: EventPublisher(context: context, webhook: try .fromEnvironment()))
}
