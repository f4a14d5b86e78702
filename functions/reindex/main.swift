import FunctionProcess
import OrderAPI
import OrderCommands

// Also a command: `ORDER_DATA_DIR=./data reindex < /dev/null` rebuilds the indexes of that data directory.
FunctionMain.runEvent(function: "reindex") {
    Reindex(context: try .fromEnvironment(), idempotency: try .fromEnvironment())
}
