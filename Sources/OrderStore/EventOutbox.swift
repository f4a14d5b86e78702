public import OrderDomain

/// What delivering order events needs from the store besides the documents that hold the events: which orders
/// may have events waiting, a lock per order that keeps its deliveries in order, and the dead letters.
public protocol EventOutbox: Sendable {
    /// Orders that may have events waiting for delivery, oldest hint first.
    ///
    /// A hint, kept without reading every order: it never misses an order with pending events, but may name
    /// orders whose events were all delivered since, or that do not exist. Check the document before acting on it;
    /// an ``OrderDocumentStore/update(_:_:)`` that finds nothing pending clears the hint.
    func ordersWithPendingEvents() throws -> [OrderID]

    /// Runs `body` holding the order's delivery lock, which keeps deliveries of one order's events in order.
    ///
    /// This lock is separate from the document's, so writers are never blocked by a slow webhook. It works across
    /// threads and, in the file store, across processes.
    /// - Returns: `nil`, without running `body`, if another delivery holds the lock for longer than
    ///   `waitingAtMost` milliseconds.
    func withDeliveryLock<Result>(
        _ id: OrderID, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result?

    /// Keeps an event that will never be delivered, durably, under its id; a second letter with the same id
    /// replaces the first.
    ///
    /// - Throws: ``StoreError`` if it could not be stored.
    func storeDeadLetter(_ contents: [UInt8], eventID: String) throws

    /// The dead letters kept so far, by event id. Reads every one of them.
    func deadLetters() throws -> [String: [UInt8]]

    /// Removes the dead letter of an event of `order` that is no longer dead (it was redelivered), checked under the
    /// order's delivery lock. Leaves it when the event is dead again, or when a delivery of the order holds the lock:
    /// listings check every letter against its document, so a letter left over costs a read, never a wrong answer.
    func removeDeadLetter(eventID: String, of order: OrderID)

    /// Moves what the store holds in a write-ahead journal into the files it stands for, so that reads stay cheap:
    /// the file store checkpoints every journal (one `syncfs` each that holds records); a store without a journal does
    /// nothing. Run by every `dispatch-events`, after its deliveries.
    ///
    /// - Throws: ``StoreError`` if a checkpoint failed; what it was moving stays in the journal, as readable as before.
    func checkpoint() throws
}
