import FoundationEssentials
public import OrderDomain
import SystemSupport

/// Orders as JSON documents in a directory tree: `<root>/orders/<hh>/<id>.json`, where `hh` is a
/// two-hex-digit hash of the id that spreads documents over 256 directories.
///
/// Beside them: `<root>/outbox/<id>`, an empty file for each order that may have events to deliver, written
/// before the document that holds them; `<root>/dead-letters/<event id>.json`; the indexes that listings read,
/// `<root>/index/<key>/<day>/<created ms>_<id>` (see ``list(_:after:limit:)``); the index of delivered events,
/// `<root>/delivered-events/<day>/<event id>.<id>` (see ``indexDelivery(of:)``); and the records of idempotency
/// keys, `<root>/idempotency/<hh>/<key digest>.json`.
///
/// - Every write is atomic and durable (see ``FileSystem/writeAtomically(_:directory:name:)``): no reader
///   ever sees a partial or empty document, whenever a process dies.
/// - Each order has a sidecar lock file `<id>.lock` next to its document; creates and updates hold it,
///   so many processes can write at once without losing an update.
/// - Paths are built only from a valid ``OrderID``, which cannot contain `/` or `.`.
public struct FileOrderStore: OrderDocumentStore {
    /// The data directory (`ORDER_DATA_DIR`).
    public let root: String
    /// The currency of orders stored before orders had one (`ORDER_DEFAULT_CURRENCY`).
    public let defaultCurrency: Currency

    /// Opens the store in `root`, creating the directory tree if it is missing. Orders stored without a currency
    /// read as `defaultCurrency`.
    ///
    /// - Throws: ``StoreError`` when the directory cannot be made for any reason but a full disk. On a full disk the
    ///   store opens anyway: reads find nothing, and the first write that needs the directory fails with
    ///   `storage_full`, which a request answers with 507 rather than failing to start.
    ///
    /// `root` is resolved once, here, to a path without symbolic links (see ``FileSystem/canonicalPath(_:)``), which
    /// is what ``root`` then holds: links beneath it are never followed.
    public init(root: String, defaultCurrency: Currency = .euro) throws(StoreError) {
        self.root = FileSystem.canonicalPath(root)
        self.defaultCurrency = defaultCurrency
        do {
            try FileSystem.makeDirectories("\(self.root)/orders")
        } catch {
            // Every write makes the directories it needs, so on a full disk this one can wait for space.
            guard error.code == .storageFull else { throw error }
        }
    }

    private var outbox: String { "\(root)/outbox" }
    var deadLetterDirectory: String { "\(root)/dead-letters" }

    /// Writes, under the order's lock and each durably, its index entries, its outbox hint, then its document: a
    /// crash before the document's rename leaves no order, only hints that later reads clear.
    public func create(_ document: OrderDocument) throws {
        let location = location(of: document.order.id)
        try FileSystem.makeDirectories(location.directory)
        try FileLock.withLock(on: location.lockPath) {
            guard try !FileSystem.exists(location.documentPath) else { throw OrderError.exists(document.order.id) }
            try commit(document, replacing: nil, at: location)
        }
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

    /// Holds the order's lock file from the read to the commit, so it also excludes writers in other processes.
    /// An unchanged document is not written; its stale outbox hint, if any, is cleared.
    public func update<Result>(_ id: OrderID, _ change: (inout OrderDocument) throws -> Result) throws -> Result {
        let location = location(of: id)
        // Checked before locking so that updates of unknown ids leave no lock files behind; the check
        // is repeated under the lock. Only a document that is not there is absent: any other failure to look
        // (a permission error, a file in place of the bucket) is an error, as it is for a read.
        guard try FileSystem.exists(location.documentPath) else {
            clearHintOfMissingOrder(id, at: location)
            throw OrderError.notFound(id)
        }
        return try FileLock.withLock(on: location.lockPath) {
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
    }
}

extension FileOrderStore: EventOutbox {
    /// The names in `outbox/`, oldest file first: one directory read, no document read.
    public func ordersWithPendingEvents() throws -> [OrderID] {
        try FileSystem.entriesByAge(of: outbox).compactMap(OrderID.init)
    }

    /// Holds `<id>.delivery.lock` beside the document, polling every millisecond while another process has it.
    public func withDeliveryLock<Result>(
        _ id: OrderID, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result? {
        let location = location(of: id)
        // A hint can name an order whose directory was never made; its delivery then finds nothing to do.
        try FileSystem.makeDirectories(location.directory)
        return try FileLock.withLock(
            on: "\(location.directory)/\(location.name).delivery.lock", waitingAtMost: milliseconds, body)
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
protocol StoredOrder: Decodable {
    var order: Order { get }
}

extension OrderDocument: StoredOrder {}
extension OrderDocument.OrderOnly: StoredOrder {}

extension FileOrderStore {
    struct Location {
        var directory: String
        var name: String
        var documentPath: String { "\(directory)/\(name).json" }
        var lockPath: String { "\(directory)/\(name).lock" }
    }

    func location(of id: OrderID) -> Location {
        Location(directory: "\(root)/orders/\(Self.bucket(of: id))", name: id.rawValue)
    }

    /// Two hex digits from the FNV-1a hash of the id: stable across processes and versions.
    static func bucket(of id: OrderID) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in id.rawValue.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return Hex.string([UInt8(truncatingIfNeeded: hash)])
    }

    func read(at location: Location) throws -> OrderDocument? {
        try read(OrderDocument.self, at: location)?.document
    }

    /// The document at `location` and its size in bytes, for a listing that keeps count of what it reads.
    func readSized(at location: Location) throws -> (OrderDocument, Int)? {
        try read(OrderDocument.self, at: location)
    }

    /// The document at `location` read as `Document`: the whole of it, or only the part a caller needs.
    ///
    /// A document is corrupt, like one that does not parse, when the order it holds is not the one its path names: the
    /// path is where every read, update, listing and delivery of that id goes, so serving or rewriting another id
    /// from there would answer for the wrong order.
    private func read<Document: StoredOrder>(
        _ type: Document.Type, at location: Location
    ) throws -> (document: Document, size: Int)? {
        let path = location.documentPath
        guard let bytes = try FileSystem.read(path) else { return nil }
        let document: Document
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[Currency.defaultCurrencyKey] = defaultCurrency
            document = try decoder.decode(Document.self, from: Data(bytes))
        } catch let error as OrderDocument.UnsupportedSchema {
            throw StoreError(
                .unsupportedSchema, "read \(path): schema_version \(error.version) is newer than this service")
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

    /// Writes the document; first, if it has events to deliver, the outbox hint naming it, so that a crash after
    /// the document's commit can never leave pending events that nothing points to.
    func write(_ document: OrderDocument, at location: Location) throws {
        if document.hasPendingEvents {
            try FileSystem.makeDirectories(outbox)
            try FileSystem.createEmptyFile(directory: outbox, name: document.order.id.rawValue)
        }
        try FileSystem.writeAtomically(
            Self.encode(document), directory: location.directory, name: "\(location.name).json")
        if !document.hasPendingEvents {
            clearOutboxHint(document.order.id)
        }
    }

    /// The bytes of a stored JSON document (an order, an idempotency record). Sorted keys keep documents
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
        guard (try? FileSystem.exists("\(outbox)/\(id.rawValue)")) == true else { return }
        try? FileSystem.makeDirectories(location.directory)
        _ = try? FileLock.withLock(on: location.lockPath) {
            if try !FileSystem.exists(location.documentPath) { clearOutboxHint(id) }
        }
    }

    /// Removes an outbox hint. Not synced: a hint that comes back after a crash only costs one extra read.
    private func clearOutboxHint(_ id: OrderID) {
        FileSystem.remove("\(outbox)/\(id.rawValue)")
    }
}
