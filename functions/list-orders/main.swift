import FunctionProcess
import OrderAPI

FunctionMain.run(function: "list-orders") { ListOrders(context: try .fromEnvironment()) }
