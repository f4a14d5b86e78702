import FunctionProcess
import OrderAPI

FunctionMain.run(function: "get-order-events") { GetOrderEvents(context: try .fromEnvironment()) }
