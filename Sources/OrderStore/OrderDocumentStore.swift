public import OrderDomain

/// Where orders are kept: one document per order, holding the order and its events.
///
/// Implementations guarantee that ``update(_:_:)`` runs its closure with exclusive access to the order,
/// across threads and processes, so read-modify-write never loses an update.
public protocol OrderDocumentStore: Sendable {
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
}

extension OrderDocumentStore {
    /// The order of ``get(_:)``'s document: for a store that reads a whole document as cheaply as a part of it.
    public func order(_ id: OrderID) throws -> Order? {
        try get(id)?.order
    }
}
