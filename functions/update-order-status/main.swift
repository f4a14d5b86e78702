import FunctionRuntime
import OrderAPI

FunctionMain.run(function: "update-order-status") { UpdateOrderStatus(context: try .fromEnvironment()) }
