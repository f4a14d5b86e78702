import FunctionRuntime
import OrderAPI

FunctionMain.run(function: "create-order") { CreateOrder(context: try .fromEnvironment()) }
