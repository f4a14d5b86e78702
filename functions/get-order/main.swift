import FunctionProcess
import OrderAPI

FunctionMain.run(function: "get-order") { GetOrder(context: try .fromEnvironment()) }
