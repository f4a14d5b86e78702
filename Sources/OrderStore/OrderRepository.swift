public import OrderDomain

/// Where orders and their events are kept.
///
/// Implementations guarantee that ``update(_:_:)`` runs its closure with exclusive access to the order,
/// across threads and processes, so read-modify-write never loses an update.
public protocol OrderRepository: Sendable {
    /// Stores a new order, only if no order has its id.
    ///
    /// - Throws: ``OrderError`` `order_exists` if the id is taken; ``StoreError`` if the store fails
    ///   (then nothing was stored).
    func create(_ document: OrderDocument) throws

    /// The order with `id`, or `nil` if there is none.
    ///
    /// - Throws: ``StoreError`` `corrupt_document` if the order exists but cannot be read.
    func get(_ id: OrderID) throws -> OrderDocument?

    /// Reads the order, lets `change` modify it while holding its lock, and stores the result if it differs.
    ///
    /// If `change` throws, nothing is written and the error is rethrown.
    /// - Returns: whatever `change` returns.
    /// - Throws: ``OrderError`` `order_not_found` if there is no such order; ``StoreError`` on store failure.
    func update<Result>(_ id: OrderID, _ change: (inout OrderDocument) throws -> Result) throws -> Result

    /// Orders that may have events waiting for delivery, oldest hint first.
    ///
    /// A hint, kept without reading every order: it never misses an order with pending events, but may name
    /// orders whose events were all delivered since. Check the document before acting on it; an ``update(_:_:)``
    /// that finds nothing pending clears the hint.
    func ordersWithPendingEvents() throws -> [OrderID]

    /// Runs `body` holding the order's delivery lock, which keeps deliveries of one order's events in order.
    ///
    /// This lock is separate from the document's, so writers are never blocked by a slow webhook.
    /// - Returns: `nil`, without running `body`, if another delivery holds the lock for longer than
    ///   `waitingAtMost` milliseconds.
    func withDeliveryLock<Result>(
        _ id: OrderID, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result?

    /// Keeps an event that will never be delivered, durably, under its id.
    func storeDeadLetter(_ contents: [UInt8], eventID: String) throws

    /// The dead letters kept so far, by event id.
    func deadLetters() throws -> [String: [UInt8]]
}
