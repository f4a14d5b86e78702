import FunctionProcess
import OrderAPI

FunctionMain.run(function: "list-events") { ListEvents(context: try .fromEnvironment()) }
