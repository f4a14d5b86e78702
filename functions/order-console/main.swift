import FunctionRuntime
import OrderConsole

FunctionMain.run(function: "order-console") { OrderConsole() }
