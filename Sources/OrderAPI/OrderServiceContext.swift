public import OrderDomain
public import OrderStore
import StructuredLog
public import SystemSupport
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
    /// The currency of orders created without one (`ORDER_DEFAULT_CURRENCY`, default EUR).
    public var defaultCurrency: Currency
    /// The data directory of a file store, where the processes of the service share what is not an order (such as
    /// the webhook's health); `nil` for a store in memory.
    public var dataDirectory: String?

    /// A context on `store`, with `now` as its clock.
    public init(
        store: Store, now: @escaping @Sendable () -> Timestamp = { .now() },
        webhookConfigured: Bool = false, defaultCurrency: Currency = .euro, dataDirectory: String? = nil
    ) {
        self.store = store
        self.now = now
        self.webhookConfigured = webhookConfigured
        self.defaultCurrency = defaultCurrency
        self.dataDirectory = dataDirectory
    }
}

extension OrderServiceContext where Store == FileOrderStore {
    /// A setting of the environment that cannot work.
    public struct InvalidSetting: Error, CustomStringConvertible {
        public var description: String
    }

    /// The context from the process environment: the file store in `ORDER_DATA_DIR` (default `./data`), and
    /// `ORDER_DEFAULT_CURRENCY` (default EUR) for orders created, or stored, without a currency.
    ///
    /// As a Lambda custom runtime (`AWS_LAMBDA_RUNTIME_API` set), the data directory must already exist and be
    /// writable: it is a mounted file system, and creating a local directory in its place would write orders to
    /// disk that disappears with the instance.
    ///
    /// - Throws: ``StoreError`` when the data directory cannot be created or used; ``InvalidSetting`` when
    ///   `ORDER_DEFAULT_CURRENCY` is not an ISO 4217 code.
    public static func fromEnvironment(_ environment: Environment = .process) throws -> OrderServiceContext<
        FileOrderStore
    > {
        func variable(_ name: String) -> String? { environment.nonEmpty(name) }
        let directory = variable("ORDER_DATA_DIR") ?? "./data"
        if variable("AWS_LAMBDA_RUNTIME_API") != nil, access(directory, W_OK | X_OK) != 0 {
            throw StoreError(
                .ioFailure,
                "use ORDER_DATA_DIR \(directory): it must be an existing, writable directory (a mounted file system)",
                errno: errno)
        }
        var defaultCurrency = Currency.euro
        if let code = variable("ORDER_DEFAULT_CURRENCY") {
            guard let currency = Currency(code: code) else {
                throw InvalidSetting(
                    description: "ORDER_DEFAULT_CURRENCY must be an ISO 4217 alphabetic code such as EUR, not '\(code)'"
                )
            }
            defaultCurrency = currency
        }
        return OrderServiceContext(
            store: try FileOrderStore(
                root: directory, defaultCurrency: defaultCurrency,
                checkpointFailed: { error in
                    // The write stands; the journal keeps what the checkpoint could not move.
                    FunctionLog.write("checkpoint_failed", level: "error", fields: ["error": error.description])
                }),
            webhookConfigured: variable("ORDER_WEBHOOK_URL") != nil, defaultCurrency: defaultCurrency,
            dataDirectory: directory)
    }
}
