import FoundationEssentials
public import OrderDomain
import SystemSupport

/// Orders as JSON documents in a directory tree: `<root>/orders/<hh>/<id>.json`, where `hh` is a
/// two-hex-digit hash of the id that spreads documents over 256 directories.
///
/// Beside them: `<root>/outbox/<id>`, an empty file for each order that may have events to deliver, written
/// before the document that holds them; `<root>/dead-letters/<event id>.json`; the indexes that listings read,
/// `<root>/index/<key>/<day>.log` (see ``list(_:after:limit:)``), the index of delivered events among them
/// (`index/delivered/<day>.log`, see ``events(_:in:after:limit:)``); the write-ahead journals that commit a write's
/// document, index entries and hint in one flush, `<root>/journal/wal-<n>` (see ``appendToJournal(_:of:durable:)``
/// and ``checkpointJournal(named:)``); the lock files,
/// `<root>/locks/`; and the records of idempotency keys, `<root>/idempotency/<hh>/<key digest>.json`.
///
/// - Every write is atomic and durable: one checksummed journal record, flushed (see ``commit(_:replacing:at:)``);
///   no reader ever sees a partial or empty document, whenever a process dies. Checkpoints replace document files
///   atomically (see ``FileSystem/writeAtomically(_:directory:name:durable:)``).
/// - Each order has a lock, one byte of `<root>/locks/order-<hh>` (see ``FileLock/Slot``); creates and updates hold
///   it, so many processes can write at once without losing an update. Earlier releases locked a sidecar file,
///   `<id>.lock` beside the document: while one is there it is locked too, so that a process of the earlier release
///   still running during an upgrade excludes this one, and it is removed under both locks (see ``withOrderLock``).
/// - Paths are built only from a valid ``OrderID``, which cannot contain `/` or `.`.
public struct FileOrderStore: OrderDocumentStore {
    /// The data directory (`ORDER_DATA_DIR`).
    public let root: String
    /// The currency of orders stored before orders had one (`ORDER_DEFAULT_CURRENCY`).
    public let defaultCurrency: Currency
    /// Told of a checkpoint that failed after a write, which the write does not throw: its change is committed, and
    /// the journal keeps everything for the next checkpoint.
    let checkpointFailed: @Sendable (StoreError) -> Void

    /// Opens the store in `root`, creating the directory tree if it is missing. Orders stored without a currency
    /// read as `defaultCurrency`. A write that checkpoints its journal and fails to tells `checkpointFailed` (to log
    /// it), and succeeds: its change is committed, and the next checkpoint does the work again.
    ///
    /// - Throws: ``StoreError`` when the directory cannot be made for any reason but a full disk. On a full disk the
    ///   store opens anyway: reads find nothing, and the first write that needs the directory fails with
    ///   `storage_full`, which a request answers with 507 rather than failing to start.
    ///
    /// `root` is resolved once, here, to a path without symbolic links (see ``FileSystem/canonicalPath(_:)``), which
    /// is what ``root`` then holds: links beneath it are never followed.
    public init(
        root: String, defaultCurrency: Currency = .euro,
        checkpointFailed: @escaping @Sendable (StoreError) -> Void = { _ in }
    ) throws(StoreError) {
        self.root = FileSystem.canonicalPath(root)
        self.defaultCurrency = defaultCurrency
        self.checkpointFailed = checkpointFailed
        do {
            try FileSystem.makeDirectories("\(self.root)/orders")
        } catch {
            // Every write makes the directories it needs, so on a full disk this one can wait for space.
            guard error.code == .storageFull else { throw error }
        }
    }

    var outboxDirectory: String { "\(root)/outbox" }
    var deadLetterDirectory: String { "\(root)/dead-letters" }

    /// Commits, under the order's lock, the document with its index entries and its outbox hint: one append to the
    /// order's journal and one flush (see ``commit(_:replacing:at:)``); a failure leaves no order. Now and then, once
    /// the lock is released, a checkpoint of the journal (one `syncfs`).
    public func create(_ document: OrderDocument) throws {
        let location = location(of: document.order.id)
        try withOrderLock(document.order.id) {
            guard try !exists(at: location) else { throw OrderError.exists(document.order.id) }
            try commit(document, replacing: nil, at: location)
        }
        checkpointJournalIfDue(of: document.order.id)
    }

    /// Stores many new orders at once, as ``create(_:)`` would one by one, for seeding a store or importing orders:
    /// two flushes of the whole file system (`syncfs`) for the batch, instead of three flushes per order. Nothing is
    /// durable until it returns; an order whose id is taken is left as it is and reported.
    ///
    /// The index entries go first, appended to their segments, and flushed; then the outbox hints and the documents,
    /// each under its order's lock; then the second flush. So a crash midway leaves entries for
    /// orders that never came (stale, skipped by listings), never a document without its entries.
    /// - Returns: the ids that were taken already, whose documents were not written.
    @discardableResult
    public func importOrders(_ documents: [OrderDocument]) throws -> [OrderID] {
        var bySegment: [SegmentID: [String]] = [:]
        for document in documents {
            for entry in Self.indexEntries(of: document) {
                bySegment[SegmentID(key: entry.key, day: entry.day), default: []].append(
                    SegmentRecord(name: entry.name, added: true).payload)
            }
        }
        for (segment, payloads) in bySegment {
            try ensureSegment(segment)
            try appendToSegment(segment, payloads: payloads, durably: false, marking: true)
        }
        try FileSystem.syncFileSystem(of: root)
        var taken: [OrderID] = []
        for document in documents {
            let id = document.order.id
            let location = location(of: id)
            try FileSystem.makeDirectories(location.directory)
            try withOrderLock(id) {
                guard try !exists(at: location) else { return taken.append(id) }
                if document.hasPendingEvents {
                    try FileSystem.makeDirectories(outboxDirectory)
                    try FileSystem.createEmptyFile(directory: outboxDirectory, name: id.rawValue, durably: false)
                }
                try FileSystem.writeAtomically(
                    document.encoded(), directory: location.directory, name: "\(location.name).json", durable: false)
            }
        }
        try FileSystem.syncFileSystem(of: root)
        return taken
    }

    /// Reads and decodes the whole document: the cost grows with the order's events. Takes no lock, since writes
    /// replace documents atomically.
    public func get(_ id: OrderID) throws -> OrderDocument? {
        try read(at: location(of: id))
    }

    /// Reads the document but decodes the order alone, skipping its events.
    public func order(_ id: OrderID) throws -> Order? {
        try read(OrderDocument.OrderOnly.self, at: location(of: id))?.document.order
    }

    /// Holds the order's lock from the read to the commit, so it also excludes writers in other processes.
    /// An unchanged document is not written; its stale outbox hint, if any, is cleared. A change is one append to the
    /// order's journal and one flush, as for ``create(_:)``.
    public func update<Result>(_ id: OrderID, _ change: (inout OrderDocument) throws -> Result) throws -> Result {
        let location = location(of: id)
        // Checked before locking so that updates of unknown ids cost no lock; the check is repeated under the lock.
        // Only a document that is not there is absent: any other failure to look (a permission error, a file in
        // place of the bucket) is an error, as it is for a read.
        guard try exists(at: location) else {
            clearHintOfMissingOrder(id, at: location)
            throw OrderError.notFound(id)
        }
        let result = try withOrderLock(id) {
            guard let original = try read(at: location) else { throw OrderError.notFound(id) }
            var document = original
            let result = try change(&document)
            if document != original {
                try commit(document, replacing: original, at: location)
            } else if !document.hasPendingEvents {
                clearOutboxHint(id)  // A hint left by a writer that died before its commit, or already served.
            }
            return result
        }
        checkpointJournalIfDue(of: id)
        return result
    }
}

extension FileOrderStore: EventOutbox {
    /// The names in `outbox/`, oldest file first, then the orders whose hints only the journals hold (a crash took
    /// the file): one directory read and the journals, no document read.
    public func ordersWithPendingEvents() throws -> [OrderID] {
        // The journals first: a checkpoint empties one only after syncing the outbox.
        var journaled: [OrderID: Bool] = [:]
        var journalOrder: [OrderID] = []
        for case .hint(let id, let pending) in try journalRecords() {
            if journaled[id] == nil { journalOrder.append(id) }
            journaled[id] = pending
        }
        let hinted = try FileSystem.entriesByAge(of: outboxDirectory).compactMap(OrderID.init)
        let seen = Set(hinted)
        return hinted + journalOrder.filter { journaled[$0] == true && !seen.contains($0) }
    }

    /// Holds the order's byte of `locks/delivery-<hh>` (and `<id>.delivery.lock` beside the document, if an earlier
    /// release left one, which is then removed), polling every millisecond while another process has it.
    public func withDeliveryLock<Result>(
        _ id: OrderID, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result? {
        let location = location(of: id)
        let deadline = FileLock.deadline(after: milliseconds)
        return try FileLock.withLock(on: lockSlot("delivery", of: id), deadline: deadline) {
            try withLegacyLock(at: "\(location.directory)/\(location.name).delivery.lock", deadline: deadline, body)
        } ?? nil
    }

    /// Writes `dead-letters/<event id>.json` atomically and durably.
    public func storeDeadLetter(_ contents: [UInt8], eventID: String) throws {
        try FileSystem.makeDirectories(deadLetterDirectory)
        try FileSystem.writeAtomically(contents, directory: deadLetterDirectory, name: "\(eventID).json")
    }

    /// Checks the document under the delivery lock, waiting for no one.
    public func removeDeadLetter(eventID: String, of order: OrderID) {
        // Only an id of the service's form names a file: an id is never a path.
        guard EventListPosition(eventID: eventID) != nil else { return }
        removeStaleEntry("\(deadLetterDirectory)/\(eventID).json", of: eventID, in: order, unless: .dead)
    }

    /// Reads every file in `dead-letters/`.
    public func deadLetters() throws -> [String: [UInt8]] {
        var letters: [String: [UInt8]] = [:]
        for name in try FileSystem.entries(of: deadLetterDirectory)
        where name.hasSuffix(".json") && !name.hasPrefix(".") {
            letters[String(name.dropLast(5))] = try FileSystem.read("\(deadLetterDirectory)/\(name)")
        }
        return letters
    }
}

/// A stored document, or the part of one a read decodes: either way it holds its order.
protocol StoredOrder {
    /// Reads the document's bytes.
    init(stored bytes: [UInt8], defaultCurrency: Currency) throws(OrderDocument.Unreadable)
    var order: Order { get }
}

extension OrderDocument: StoredOrder {}
extension OrderDocument.OrderOnly: StoredOrder {}

extension FileOrderStore {
    struct Location {
        var id: OrderID
        var directory: String
        var name: String
        var documentPath: String { "\(directory)/\(name).json" }
        /// The lock file of the order in earlier releases.
        var legacyLockPath: String { "\(directory)/\(name).lock" }
    }

    func location(of id: OrderID) -> Location {
        Location(id: id, directory: "\(root)/orders/\(Self.bucket(of: id))", name: id.rawValue)
    }

    /// Two hex digits from the FNV-1a hash of the id: stable across processes and versions.
    static func bucket(of id: OrderID) -> String {
        Hex.string([UInt8(truncatingIfNeeded: hash(of: id))])
    }

    /// The 32-bit FNV-1a hash of the id: its low byte names its bucket, the rest its byte in the bucket's lock files.
    static func hash(of id: OrderID) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in id.rawValue.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return hash
    }

    /// The lock of `id` in `family` (`order`, `delivery`): a byte of `locks/<family>-<hh>`, `hh` its bucket.
    func lockSlot(_ family: String, of id: OrderID) -> FileLock.Slot {
        FileLock.Slot(path: "\(root)/locks/\(family)-\(Self.bucket(of: id))", offset: Int64(Self.hash(of: id) >> 8))
    }

    /// Runs `body` holding the order's lock (see ``FileOrderStore``), waiting until `deadline` (forever when `nil`);
    /// `nil` if it passed first.
    func withOrderLock<Result>(
        _ id: OrderID, deadline: Int64?, _ body: () throws -> Result
    ) throws -> Result? {
        try FileLock.withLock(on: lockSlot("order", of: id), deadline: deadline) {
            try withLegacyLock(at: location(of: id).legacyLockPath, deadline: deadline, body)
        } ?? nil
    }

    /// Runs `body` holding the order's lock, waiting as long as it takes.
    func withOrderLock<Result>(_ id: OrderID, _ body: () throws -> Result) throws -> Result {
        try withOrderLock(id, deadline: nil, body)!
    }

    /// Runs `body` holding the lock file an earlier release keeps at `path`, if there is one, and removes it while
    /// holding it (see ``FileLock``): so that a process of that release, running during an upgrade, waits for this one,
    /// and the file goes once no such process can be left. The caller holds the lock that replaces it.
    func withLegacyLock<Result>(at path: String, deadline: Int64?, _ body: () throws -> Result) throws -> Result? {
        // Not synced: a lock file that comes back after a crash is locked, and removed, once more.
        try FileLock.withLock(on: path, creating: false, removing: true, deadline: deadline, body)
    }

    func read(at location: Location) throws -> OrderDocument? {
        try read(OrderDocument.self, at: location)?.document
    }

    /// The document at `location` and its size in bytes, for a listing that keeps count of what it reads.
    func readSized(at location: Location) throws -> (OrderDocument, Int)? {
        try read(OrderDocument.self, at: location)
    }

    /// Whether the order at `location` has a document, in its file or in its journal (read only if there is no file).
    func exists(at location: Location) throws -> Bool {
        try FileSystem.exists(location.documentPath) || journaledDocument(of: location.id) != nil
    }

    /// The document at `location` read as `Document`: the whole of it, or only the part a caller needs. The newest
    /// document record of the order in its journal, read first, wins over the file, unless the file holds a greater
    /// version (see the journal, in `FileOrderStore+Journal.swift`).
    ///
    /// A document is corrupt, like one that does not parse, when the order it holds is not the one its path names: the
    /// path is where every read, update, listing and delivery of that id goes, so serving or rewriting another id
    /// from there would answer for the wrong order.
    private func read<Document: StoredOrder>(
        _ type: Document.Type, at location: Location
    ) throws -> (document: Document, size: Int)? {
        // The journal before the file: a checkpoint writes the file before it empties the journal.
        let journaled = try journaledDocument(of: location.id)
        var path = location.documentPath
        var bytes = try FileSystem.read(path)
        if let journaled {
            if let stored = bytes, try storedVersion(of: stored, path: path) > journaled.version {
                // Written by a process of an earlier release, after this journal's record: the file is newer.
            } else {
                bytes = Array(journaled.json)
                path = "\(journalDirectory)/\(Self.journalName(of: location.id)) (order \(location.name))"
            }
        }
        guard let bytes else { return nil }
        let document: Document
        do throws(OrderDocument.Unreadable) {
            document = try Document(stored: bytes, defaultCurrency: defaultCurrency)
        } catch .unsupportedSchema(let version) {
            throw StoreError(.unsupportedSchema, "read \(path): schema_version \(version) is newer than this service")
        } catch {
            throw StoreError(.corruptDocument, "read \(path): \(error)")
        }
        guard document.order.id.rawValue == location.name else {
            throw StoreError(
                .corruptDocument,
                "read \(path): the document holds order '\(document.order.id)', not '\(location.name)'")
        }
        return (document, bytes.count)
    }

    /// The bytes of a stored JSON document other than an order (an idempotency record). Sorted keys keep documents
    /// byte-stable, so a rewrite without a change is visible as none.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Removes the outbox hint of an order that has no document: a create that died or failed (a full disk) between
    /// writing its hint and committing its document left it, and nothing else would ever clear it. Checked again
    /// under the order's lock, which a create holds from before its hint until its commit.
    private func clearHintOfMissingOrder(_ id: OrderID, at location: Location) {
        guard (try? FileSystem.exists("\(outboxDirectory)/\(id.rawValue)")) == true else { return }
        _ = try? withOrderLock(id) {
            if try !exists(at: location) { clearOutboxHint(id) }
        }
    }

    /// Removes an outbox hint, and journals it as cleared. Not synced: a hint that comes back after a crash only
    /// costs one extra read. The caller holds the order's lock.
    private func clearOutboxHint(_ id: OrderID) {
        guard FileSystem.remove("\(outboxDirectory)/\(id.rawValue)") else { return }
        try? appendToJournal([.hint(id, pending: false)], of: id, durable: false)
    }
}
