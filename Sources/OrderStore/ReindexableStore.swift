/// A store whose listings read indexes kept beside the documents, which can be rebuilt from the documents alone.
///
/// The file store is one; the in-memory store, which filters its documents directly, is not.
public protocol ReindexableStore: Sendable {
    /// Rebuilds every index from the documents: adds the entries that are missing and removes those that name no
    /// order or an order that no longer matches them; also removes what writers killed mid-write left behind.
    /// Safe to run while other processes read and write.
    ///
    /// Costs one read of every document and of every index entry.
    /// - Throws: ``StoreError`` if the store fails; an unreadable document is reported, not thrown.
    func reindex() throws -> ReindexReport
}

/// What a rebuild of the indexes found and did.
public struct ReindexReport: Equatable, Sendable, Encodable {
    /// Orders read.
    public var orders = 0
    /// Entries of the order indexes that were missing and have been written.
    public var entriesAdded = 0
    /// Index entries that named no order, or an order that no longer matches them, and have been removed.
    public var entriesRemoved = 0
    /// Index entries kept by an earlier release as a file each, moved into the segments of this one.
    public var entriesMigrated = 0
    /// Orders whose documents cannot be read: they and their entries were left as they are.
    public var unreadableOrders: [String] = []
    /// Idempotency records past their time to live, removed.
    public var expiredIdempotencyRecords = 0
    /// Temp files of writes that died more than an hour ago, removed.
    public var temporaryFilesRemoved = 0
    /// Delivered events that had no entry in the index of delivered events (delivered before it existed), entered.
    public var deliveredEventsIndexed = 0

    /// A report of nothing done yet.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case orders
        case entriesAdded = "entries_added"
        case entriesRemoved = "entries_removed"
        case entriesMigrated = "entries_migrated"
        case unreadableOrders = "unreadable_orders"
        case expiredIdempotencyRecords = "expired_idempotency_records"
        case temporaryFilesRemoved = "temporary_files_removed"
        case deliveredEventsIndexed = "delivered_events_indexed"
    }
}
