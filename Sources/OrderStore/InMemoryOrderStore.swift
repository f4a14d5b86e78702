public import OrderDomain
import Synchronization
public import Timestamps

/// Orders, their outbox and idempotency records in memory, for tests and tools: the same rules as ``FileOrderStore``
/// within one process, and no durability.
///
/// It has no indexes, so it is not a ``ReindexableStore``: a listing filters and sorts every order.
public final class InMemoryOrderStore: OrderDocumentStore, EventOutbox, OrderListing, IdempotencyRecordStore,
    EventListing
{
    private struct State {
        var documents: [OrderID: OrderDocument] = [:]
        var deliveriesInProgress: Set<OrderID> = []
        var deadLetters: [String: [UInt8]] = [:]
        var idempotencyRecords: [IdempotencyKeyDigest: IdempotencyRecord] = [:]
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    /// Keeps `document` unless its id is taken (`order_exists`).
    public func create(_ document: OrderDocument) throws {
        try state.withLock { state in
            guard state.documents[document.order.id] == nil else { throw OrderError.exists(document.order.id) }
            state.documents[document.order.id] = document
        }
    }

    /// The document kept under `id`; never throws.
    public func get(_ id: OrderID) throws -> OrderDocument? {
        state.withLock { $0.documents[id] }
    }

    /// Runs `change` holding the store's one lock, which also excludes every other call meanwhile.
    public func update<Result>(_ id: OrderID, _ change: (inout OrderDocument) throws -> Result) throws -> Result {
        try state.withLock { state in
            guard var document = state.documents[id] else { throw OrderError.notFound(id) }
            let result = try change(&document)
            state.documents[id] = document
            return result
        }
    }

    /// Nothing to move: the store keeps no journal.
    public func checkpoint() throws {}

    /// Exactly the orders with pending events, least recently updated first: there are no stale hints in memory.
    public func ordersWithPendingEvents() throws -> [OrderID] {
        state.withLock { state in
            state.documents.values.filter(\.hasPendingEvents).sorted { $0.order.updatedAt < $1.order.updatedAt }
                .map(\.order.id)
        }
    }

    /// Does not wait: returns `nil` at once if another delivery of the order is under way, whatever `milliseconds`.
    public func withDeliveryLock<Result>(
        _ id: OrderID, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result? {
        let acquired = state.withLock { $0.deliveriesInProgress.insert(id).inserted }
        guard acquired else { return nil }
        defer { _ = state.withLock { $0.deliveriesInProgress.remove(id) } }
        return try body()
    }

    /// Keeps the letter in memory; never throws.
    public func storeDeadLetter(_ contents: [UInt8], eventID: String) throws {
        state.withLock { $0.deadLetters[eventID] = contents }
    }

    /// The letters kept so far.
    public func deadLetters() throws -> [String: [UInt8]] {
        state.withLock { $0.deadLetters }
    }

    /// Removes the letter if the event is no longer dead.
    public func removeDeadLetter(eventID: String, of order: OrderID) {
        state.withLock { state in
            let event = state.documents[order]?.events.first { $0.id == eventID }
            if let event, event.delivery.state != .dead { state.deadLetters[eventID] = nil }
        }
    }

    /// Filters and sorts the events of every order: there is no index to keep in memory.
    public func events(
        _ state: EventDelivery.State, in window: EventWindow, after position: EventListPosition?, limit: Int
    ) throws -> EventPage {
        let events = self.state.withLock { $0.documents.values.flatMap(\.events) }
        return events.eventPage(state, in: window, after: position, limit: limit)
    }

    /// Filters and sorts every order: there is no index to keep in memory.
    public func list(_ filter: OrderFilter, after position: OrderListPosition?, limit: Int) throws -> OrderPage {
        let matching = state.withLock { state in state.documents.values.filter { filter.matches($0.order) } }
        return matching.page(after: position, limit: max(1, limit))
    }

    /// Runs `change` holding the store's one lock.
    public func updateIdempotencyRecord<Result>(
        _ key: IdempotencyKeyDigest, _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result {
        try state.withLock { state in
            var record = state.idempotencyRecords[key]
            let result = try change(&record)
            state.idempotencyRecords[key] = record
            return result
        }
    }

    /// Removes the forgettable records in one step under the store's lock.
    public func forgetIdempotencyRecords(createdBefore cutoff: Timestamp, now: Timestamp) throws -> Int {
        state.withLock { state in
            let forgettable = state.idempotencyRecords.filter {
                $0.value.isForgettable(createdBefore: cutoff, now: now)
            }
            for key in forgettable.keys { state.idempotencyRecords[key] = nil }
            return forgettable.count
        }
    }
}
