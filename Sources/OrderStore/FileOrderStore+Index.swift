import OrderDomain
import Timestamps

/// The indexes of the file store: `<root>/index/<key>/<day>/<created ms>_<id>`, one empty file per order and key.
///
/// Keys are `all` (every order), `status=<status>`, `city=<city>` and `country=<country>` of the shipping address,
/// and `customer=<customer id>` for orders with a customer, values folded to lower case and percent-encoded. `<day>` is the UTC day of creation (`2026-11-25`), so a page reads
/// the day directories from its starting point on, each holding only that day's orders with that key, and
/// never a directory of every order. Names sort by creation time, then id.
///
/// An entry is a hint, never the truth:
/// - Entries for a document's new state are written durably, under the order's lock, before the document is
///   committed; entries for its old state are removed after. A crash in between leaves an entry too many (stale),
///   never one too few.
/// - A listing checks every entry against its document and removes the stale ones it meets, under the order's
///   lock; ``reindex()`` rebuilds everything from the documents.
extension FileOrderStore {
    struct IndexEntry: Hashable {
        /// `all`, `status=confirmed`, `city=madrid`, …
        var key: String
        var position: OrderListPosition

        var day: String { Self.day(of: position.createdAt) }
        var name: String { Self.name(of: position) }

        static func day(of time: Timestamp) -> String {
            String(time.description.prefix(10))
        }

        static func name(of position: OrderListPosition) -> String {
            let digits = String(max(0, position.createdAt.millisecondsSinceEpoch))
            return String(repeating: "0", count: max(0, 13 - digits.count)) + digits + "_" + position.id.rawValue
        }

        /// Reads an entry's file name; only the exact name ``name(of:)`` writes is accepted.
        static func position(fromName name: String) -> OrderListPosition? {
            guard let separator = name.firstIndex(of: "_"), let millis = Int64(name[..<separator]),
                let id = OrderID(String(name[name.index(after: separator)...]))
            else { return nil }
            let position = OrderListPosition(createdAt: Timestamp(millisecondsSinceEpoch: millis), id: id)
            return Self.name(of: position) == name ? position : nil
        }
    }

    var indexRoot: String { "\(root)/index" }

    /// The keys under which `order` is indexed.
    static func indexKeys(of order: Order) -> [String] {
        var keys = [
            "all", "status=\(order.status.rawValue)", "city=\(encodedValue(order.shippingAddress.city))",
            "country=\(encodedValue(order.shippingAddress.country))",
        ]
        if let customer = order.customer { keys.append("customer=\(encodedValue(customer.id))") }
        return keys
    }

    static func indexEntries(of document: OrderDocument) -> Set<IndexEntry> {
        let position = OrderListPosition(of: document.order)
        return Set(indexKeys(of: document.order).map { IndexEntry(key: $0, position: position) })
    }

    /// The index key that drives a listing with `filter`: the most selective condition it has, usually.
    static func drivingKey(for filter: OrderFilter) -> String {
        if let customerID = filter.customerID { return "customer=\(encodedValue(customerID))" }
        if let city = filter.shippingCity { return "city=\(encodedValue(city))" }
        if let status = filter.status { return "status=\(status.rawValue)" }
        if let country = filter.shippingCountry { return "country=\(encodedValue(country))" }
        return "all"
    }

    /// A value as part of a directory name: folded, letters and digits kept, every other byte as `%XX`. Very
    /// long values are cut and end with a hash; entries are checked against documents, so a shared name only
    /// costs reads.
    static func encodedValue(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in OrderFilter.fold(value).utf8 {
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
            {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        guard bytes.count > 160 else { return String(decoding: bytes, as: UTF8.self) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let suffix = String(hash, radix: 16)
        return String(decoding: bytes.prefix(120), as: UTF8.self) + "~" + suffix
    }

    func indexDirectory(of entry: IndexEntry) -> String {
        "\(indexRoot)/\(entry.key)/\(entry.day)"
    }

    /// Writes `document` over `original` (`nil` for a new order), keeping the indexes in step: new entries before
    /// the commit, durably; entries of the old state only after it. The caller holds the order's lock.
    func commit(_ document: OrderDocument, replacing original: OrderDocument?, at location: Location) throws {
        let wanted = Self.indexEntries(of: document)
        let previous = original.map(Self.indexEntries(of:)) ?? []
        let added = wanted.subtracting(previous)
        for entry in added {
            try writeIndexEntry(entry)
        }
        // On failure the new entries stay: the document may have been renamed into place before a failed directory
        // sync, and an entry too many is only a stale hint, where one too few would hide the order.
        try write(document, at: location)
        for entry in previous.subtracting(wanted) {
            // Not synced: an entry that comes back after a crash is stale, and checked against the document.
            FileSystem.remove("\(indexDirectory(of: entry))/\(entry.name)")
        }
    }

    /// Creates an entry durably; an entry that already exists is synced too, since its creator may not have.
    func writeIndexEntry(_ entry: IndexEntry) throws {
        let directory = indexDirectory(of: entry)
        try FileSystem.makeDirectories(directory)
        try FileSystem.createEmptyFile(directory: directory, name: entry.name, syncingIfPresent: true)
    }
}

extension FileOrderStore: OrderListing {
    /// Walks the day directories of one index (city, else status, else country, else all orders), oldest first,
    /// reads the document of each candidate and checks it against the filter; an entry the document does not bear
    /// out is removed.
    public func list(_ filter: OrderFilter, after position: OrderListPosition?, limit: Int) throws -> OrderPage {
        let limit = max(1, limit)
        let key = Self.drivingKey(for: filter)
        let directory = "\(indexRoot)/\(key)"
        let start = [position?.createdAt, filter.createdFrom].compactMap { $0 }.max()
        let firstDay = start.map(IndexEntry.day(of:))
        let lastDay = filter.createdBefore.map(IndexEntry.day(of:))

        let days = try FileSystem.entries(of: directory).filter { day in
            Self.isDayName(day) && firstDay.map { day >= $0 } ?? true && lastDay.map { day <= $0 } ?? true
        }.sorted()

        var page = PageBuilder(limit: limit)
        for day in days {
            var candidates: [OrderListPosition] = []
            for name in try FileSystem.entries(of: "\(directory)/\(day)") {
                guard let candidate = IndexEntry.position(fromName: name) else { continue }  // Not an entry: skip.
                if let position, !(position < candidate) { continue }
                if let from = filter.createdFrom, candidate.createdAt < from { continue }
                if let before = filter.createdBefore, !(candidate.createdAt < before) { continue }
                candidates.append(candidate)
            }
            for candidate in candidates.sorted() {
                let entry = IndexEntry(key: key, position: candidate)
                do {
                    guard let (document, size) = try indexedDocument(entry, dayDirectory: day) else { continue }
                    guard filter.matches(document.order) else { continue }
                    if let full = page.add(document, size: size) { return full }
                } catch let error as StoreError {
                    // Corruption stays loud (the document itself answers with an error and is never rewritten), but
                    // it does not stop every listing that reaches it: the page names it and goes on. Whether it
                    // matches the other conditions cannot be known, so it is named whatever they are.
                    let skipped = SkippedOrder(position: candidate, reason: .unreadable, error: error.description)
                    if let full = page.add(skipped) { return full }
                }
            }
        }
        return page.last
    }

    /// The most bytes of documents a page reads before it stops early, with its `next`, whatever its limit: so that
    /// a page of large orders costs a bounded amount of memory. A page always holds at least one order.
    static let pageReadBudget = 4 << 20

    /// A page as the listing fills it: orders and skipped orders in listing order, until one more than the limit
    /// shows that there is a next page, or the documents read pass ``pageReadBudget``.
    private struct PageBuilder {
        var limit: Int
        var documents: [OrderDocument] = []
        var skipped: [SkippedOrder] = []
        var positions: [OrderListPosition] = []
        var bytesRead = 0

        /// Adds an order; returns the page once it is full.
        mutating func add(_ document: OrderDocument, size: Int) -> OrderPage? {
            if let full = fullPage(before: bytesRead >= FileOrderStore.pageReadBudget) { return full }
            bytesRead += size
            documents.append(document)
            positions.append(OrderListPosition(of: document.order))
            return nil
        }

        /// Adds an order that could not be read; returns the page once it is full.
        mutating func add(_ order: SkippedOrder) -> OrderPage? {
            if let full = fullPage(before: false) { return full }
            skipped.append(order)
            positions.append(order.position)
            return nil
        }

        /// The page, when one more than the limit has come (so there is a next page, which starts after the last one
        /// kept) or when the read budget is spent.
        private func fullPage(before budgetIsSpent: Bool) -> OrderPage? {
            guard positions.count >= limit || (budgetIsSpent && !positions.isEmpty) else { return nil }
            return OrderPage(documents: documents, next: positions.last, skipped: skipped)
        }

        /// The page when the listing ran out of candidates: the last one.
        var last: OrderPage {
            OrderPage(documents: documents, next: nil, skipped: skipped)
        }
    }

    /// The document an entry found in `dayDirectory`, and its size in bytes, if the entry is true of it; a stale entry
    /// is removed.
    private func indexedDocument(_ entry: IndexEntry, dayDirectory: String) throws -> (OrderDocument, Int)? {
        let location = location(of: entry.position.id)
        if let (document, size) = try readSized(at: location), isTrue(entry, of: document), entry.day == dayDirectory {
            return (document, size)
        }
        // Removed only under the order's lock, after checking again: a writer holds that lock from writing its
        // entries to committing its document, so an entry written for a commit in progress is never taken away.
        if entry.day == dayDirectory {
            try? FileSystem.makeDirectories(location.directory)
            _ = try? FileLock.withLock(on: location.lockPath, waitingAtMost: 0) {
                let current = try read(at: location)
                if current.map({ !isTrue(entry, of: $0) }) ?? true {
                    FileSystem.remove("\(indexDirectory(of: entry))/\(entry.name)")
                }
            }
        }
        return nil
    }

    private func isTrue(_ entry: IndexEntry, of document: OrderDocument) -> Bool {
        Self.indexEntries(of: document).contains(entry)
    }

    static func isDayName(_ name: String) -> Bool {
        name.utf8.count == 10 && !name.hasPrefix(".")
    }
}

extension FileOrderStore: ReindexableStore {
    /// Takes each order's lock in turn, never more than one at a time, so requests wait at most for one order.
    public func reindex() throws -> ReindexReport {
        var report = ReindexReport()
        var expected = Set<String>()
        var unreadable = Set<OrderID>()

        // First every document, each under its lock: the entries it needs.
        let ordersDirectory = "\(root)/orders"
        for bucket in try FileSystem.entries(of: ordersDirectory) where !bucket.hasPrefix(".") {
            let bucketDirectory = "\(ordersDirectory)/\(bucket)"
            guard FileSystem.isDirectory(bucketDirectory) else { continue }
            for name in try FileSystem.entries(of: bucketDirectory)
            where name.hasSuffix(".json") && !name.hasPrefix(".") {
                guard let id = OrderID(String(name.dropLast(5))) else { continue }
                let location = location(of: id)
                try FileLock.withLock(on: location.lockPath) {
                    let document: OrderDocument?
                    do {
                        document = try read(at: location)
                    } catch let error as StoreError
                        where error.code == .corruptDocument || error.code == .unsupportedSchema
                    {
                        // Left as it is, and its entries too: corruption is reported by reads, not repaired here.
                        unreadable.insert(id)
                        return
                    }
                    guard let document else { return }
                    report.orders += 1
                    for entry in Self.indexEntries(of: document) {
                        let path = "\(indexDirectory(of: entry))/\(entry.name)"
                        // An entry that exists was synced by the writer that committed this document, before the commit.
                        if try !FileSystem.exists(path) {
                            try writeIndexEntry(entry)
                            report.entriesAdded += 1
                        }
                        expected.insert(path)
                    }
                }
            }
        }

        // Then every entry no document asked for: removed, once checked again under its order's lock.
        for key in try FileSystem.entries(of: indexRoot) where !key.hasPrefix(".") {
            let keyDirectory = "\(indexRoot)/\(key)"
            guard FileSystem.isDirectory(keyDirectory) else {
                FileSystem.remove(keyDirectory)
                report.entriesRemoved += 1
                continue
            }
            for day in try FileSystem.entries(of: keyDirectory) where !day.hasPrefix(".") {
                let dayDirectory = "\(keyDirectory)/\(day)"
                guard FileSystem.isDirectory(dayDirectory) else {
                    FileSystem.remove(dayDirectory)
                    report.entriesRemoved += 1
                    continue
                }
                for name in try FileSystem.entries(of: dayDirectory) where !expected.contains("\(dayDirectory)/\(name)")
                {
                    let path = "\(dayDirectory)/\(name)"
                    guard let position = IndexEntry.position(fromName: name) else {
                        if FileSystem.isDirectory(path) { continue }
                        FileSystem.remove(path)
                        report.entriesRemoved += 1
                        continue
                    }
                    if unreadable.contains(position.id) { continue }
                    let entry = IndexEntry(key: key, position: position)
                    let location = location(of: position.id)
                    try FileSystem.makeDirectories(location.directory)
                    try FileLock.withLock(on: location.lockPath) {
                        let document = try read(at: location)
                        let isTrue =
                            entry.day == day && document.map { Self.indexEntries(of: $0).contains(entry) } ?? false
                        if !isTrue {
                            FileSystem.remove(path)
                            report.entriesRemoved += 1
                        }
                    }
                }
            }
        }
        report.unreadableOrders = unreadable.map(\.rawValue).sorted()
        report.temporaryFilesRemoved = try removeAbandonedTemporaryFiles()
        return report
    }

    /// A write holds its temp file for milliseconds; after an hour, its process is certainly gone.
    static let abandonedTemporaryFileAge = 3600

    /// Removes the temp files that processes killed mid-write left beside documents, idempotency records and dead
    /// letters, once they are ``abandonedTemporaryFileAge`` seconds old. Nothing reads them; they only take space.
    private func removeAbandonedTemporaryFiles() throws -> Int {
        var directories = [deadLetterDirectory]
        for parent in ["\(root)/orders", idempotencyRoot] {
            directories += try FileSystem.entries(of: parent).map { "\(parent)/\($0)" }.filter(FileSystem.isDirectory)
        }
        return try directories.reduce(0) { removed, directory in
            removed + (try FileSystem.removeTemporaryFiles(in: directory, olderThan: Self.abandonedTemporaryFileAge))
        }
    }
}
