import FunctionProcess
import OrderAPI
import OrderCommands
import OrderEvents

FunctionMain.run(function: "redeliver-event") {
    let context = try OrderServiceContext.fromEnvironment()
    return RedeliverEvent(
        context: context, events: EventPublisher(context: context, webhook: try .fromEnvironment()))
}
