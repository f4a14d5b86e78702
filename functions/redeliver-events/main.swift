import FunctionProcess
import OrderAPI
import OrderCommands

FunctionMain.run(function: "redeliver-events") { RedeliverEvents(context: try .fromEnvironment()) }
