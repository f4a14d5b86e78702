public import OrderStore
public import Timestamps

#if canImport(Glibc)
import Glibc
#endif

/// What every order function needs: the store and a clock. Passed in, so tests can choose them.
public struct OrderServiceContext: Sendable {
    public var store: any OrderRepository
    public var now: @Sendable () -> Timestamp
    /// Whether `ORDER_WEBHOOK_URL` is set: without it, events are recorded but not posted.
    public var webhookConfigured: Bool

    public init(
        store: any OrderRepository, now: @escaping @Sendable () -> Timestamp = { .now() },
        webhookConfigured: Bool = false
    ) {
        self.store = store
        self.now = now
        self.webhookConfigured = webhookConfigured
    }

    /// The context from the process environment: the file store in `ORDER_DATA_DIR` (default `./data`).
    ///
    /// - Throws: ``StoreError`` when the data directory cannot be created or used.
    public static func fromEnvironment() throws -> OrderServiceContext {
        func variable(_ name: String) -> String? {
            getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        return OrderServiceContext(
            store: try FileOrderStore(root: variable("ORDER_DATA_DIR") ?? "./data"),
            webhookConfigured: variable("ORDER_WEBHOOK_URL") != nil)
    }
}
