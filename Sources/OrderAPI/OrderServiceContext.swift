public import OrderStore
public import Timestamps

#if canImport(Glibc)
import Glibc
#endif

/// What every order function needs: the store and a clock. Passed in, so tests can choose both.
public struct OrderServiceContext: Sendable {
    public var store: any OrderRepository
    public var now: @Sendable () -> Timestamp

    public init(store: any OrderRepository, now: @escaping @Sendable () -> Timestamp = { .now() }) {
        self.store = store
        self.now = now
    }

    /// The context from the process environment: the file store in `ORDER_DATA_DIR` (default `./data`).
    ///
    /// - Throws: ``StoreError`` when the data directory cannot be created or used.
    public static func fromEnvironment() throws -> OrderServiceContext {
        let directory = getenv("ORDER_DATA_DIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        return OrderServiceContext(store: try FileOrderStore(root: directory ?? "./data"))
    }
}
