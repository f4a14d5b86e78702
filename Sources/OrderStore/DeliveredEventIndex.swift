public import OrderDomain

/// Which events have been delivered, kept beside the documents so that they can be listed without reading every
/// order (see ``EventListing``).
public protocol DeliveredEventIndex: Sendable {
    /// Records, durably, that `event` is being delivered. Called under the order's delivery lock before the document
    /// records the delivery, so that a crash in between leaves an entry too many, which listings check against the
    /// document, never one too few.
    ///
    /// - Throws: ``StoreError`` if the entry could not be written; then the delivery must not be recorded either.
    func indexDelivery(of event: OrderEvent) throws

    /// Writes the entries missing for the events that are delivered, from every document: for events delivered before
    /// the index existed. Safe while other processes read and write. Costs one read of every document.
    ///
    /// - Returns: how many entries it wrote.
    /// - Throws: ``StoreError`` if the store fails; an unreadable document is passed over (``ReindexableStore`` reports it).
    func indexDeliveredEvents() throws -> Int
}
