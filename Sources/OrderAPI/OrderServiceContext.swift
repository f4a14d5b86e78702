public import OrderStore
public import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// What every order function needs: the store and a clock. Passed in, so tests can choose them.
///
/// `Store` is the store's own type: each function takes from it only the roles it uses (``OrderDocumentStore``,
/// ``OrderListing``, ...), so a test can give it a store that has those alone.
public struct OrderServiceContext<Store: Sendable>: Sendable {
    public var store: Store
    public var now: @Sendable () -> Timestamp
    /// Whether `ORDER_WEBHOOK_URL` is set: without it, events are recorded but not posted.
    public var webhookConfigured: Bool

    /// A context on `store`, with `now` as its clock.
    public init(
        store: Store, now: @escaping @Sendable () -> Timestamp = { .now() }, webhookConfigured: Bool = false
    ) {
        self.store = store
        self.now = now
        self.webhookConfigured = webhookConfigured
    }
}

extension OrderServiceContext where Store == FileOrderStore {
    /// The context from the process environment: the file store in `ORDER_DATA_DIR` (default `./data`).
    ///
    /// As a Lambda custom runtime (`AWS_LAMBDA_RUNTIME_API` set), the data directory must already exist and be
    /// writable: it is a mounted file system, and creating a local directory in its place would write orders to
    /// disk that disappears with the instance.
    ///
    /// - Throws: ``StoreError`` when the data directory cannot be created or used.
    public static func fromEnvironment() throws -> OrderServiceContext<FileOrderStore> {
        func variable(_ name: String) -> String? {
            getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let directory = variable("ORDER_DATA_DIR") ?? "./data"
        if variable("AWS_LAMBDA_RUNTIME_API") != nil, access(directory, W_OK | X_OK) != 0 {
            throw StoreError(
                .ioFailure,
                "use ORDER_DATA_DIR \(directory): it must be an existing, writable directory (a mounted file system)",
                errno: errno)
        }
        return OrderServiceContext(
            store: try FileOrderStore(root: directory), webhookConfigured: variable("ORDER_WEBHOOK_URL") != nil)
    }
}
