import FunctionProcess
import OrderConsole

FunctionMain.run(function: "order-console") { OrderConsole() }
