public import OrderDomain
public import Timestamps

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

    /// The order with `id` without its events, or `nil` if there is none: for reads that answer with the order
    /// alone, at a cost that does not grow with its history.
    ///
    /// - Throws: ``StoreError`` `corrupt_document` if the order exists but cannot be read.
    func order(_ id: OrderID) throws -> Order?

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

    /// One page of the orders that match `filter`, ordered by creation time and then id, starting strictly after
    /// `position` (from the start when `nil`), at most `limit` orders (at least 1).
    ///
    /// Resuming from ``OrderPage/next`` neither skips nor repeats an order that existed, unchanged, for the whole
    /// walk, whatever is created or updated meanwhile. The file store finds candidates through its indexes, so a
    /// page costs in proportion to the index entries it reads, not to the orders stored; every candidate is checked
    /// against its document, so a stale or damaged index makes a listing slower, never wrong.
    /// - Throws: ``StoreError`` if the store fails or a candidate's document cannot be read.
    func list(_ filter: OrderFilter, after position: OrderListPosition?, limit: Int) throws -> OrderPage

    /// Rebuilds every index from the documents: adds the entries that are missing and removes those that name no
    /// order or an order that no longer matches them; also removes what writers killed mid-write left behind.
    /// Safe to run while other processes read and write.
    ///
    /// Costs one read of every document and of every index entry.
    func reindex() throws -> ReindexReport

    /// Reads the record kept for an idempotency key (`nil` if none), lets `change` modify it while holding the
    /// key's lock, and stores the result if it differs (setting it to `nil` removes the record).
    ///
    /// The lock works across threads and processes, like an order's. `change` must not call back into the store.
    /// - Returns: whatever `change` returns. If `change` throws, nothing is written and the error is rethrown.
    func updateIdempotencyRecord<Result>(
        _ key: IdempotencyKeyDigest, _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result

    /// Removes the idempotency records created before `cutoff`, except those whose request may still be running
    /// (in progress with a lease that has not expired at `now`).
    ///
    /// - Returns: how many records were removed.
    func forgetIdempotencyRecords(createdBefore cutoff: Timestamp, now: Timestamp) throws -> Int
}

extension OrderRepository {
    public func order(_ id: OrderID) throws -> Order? {
        try get(id)?.order
    }
}
