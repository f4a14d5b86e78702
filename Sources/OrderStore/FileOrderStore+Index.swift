import OrderDomain
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// The indexes of the file store: `<root>/index/<key>/<day>.log`, a segment of framed records (see ``FramedRecords``)
/// per key and UTC day of creation, each record adding (`+<created ms>_<id>`) or removing (`-…`) one order's entry.
///
/// Keys are `all` (every order), `status=<status>`, `city=<city>` and `country=<country>` of the shipping address,
/// and `customer=<customer id>` for orders with a customer, values folded to lower case and percent-encoded. `<day>`
/// is the UTC day of creation (`2026-11-25`), so a page reads the segments from its starting point on, each holding
/// only that day's orders with that key, and never an index of every order. Entries sort by creation time, then id.
/// The key `delivered` holds the delivered events instead (`+<event id>.<order id>`), by the UTC day each occurred:
/// see `FileOrderStore+Events.swift`.
///
/// An entry is a hint, never the truth:
/// - Entries for a document's new state are journaled durably, under the order's lock, before the document is
///   committed; entries for its old state are journaled as removed after (see the journal, in
///   `FileOrderStore+Journal.swift`). A crash in between leaves an entry too many (stale), never one too few.
/// - A listing reads the journals and the segments, checks every entry against its document and journals as removed
///   the stale ones it meets, under the order's lock; ``reindex()`` rebuilds every segment from the documents, which
///   also compacts them.
///
/// Earlier releases kept an empty file per entry, `<root>/index/<key>/<day>/<created ms>_<id>`. Listings read those
/// too (a stale one is removed), and ``reindex()`` moves them into the segments.
extension FileOrderStore {
    /// One entry of an index: an order under one of its keys, or a delivered event under ``deliveredKey``.
    struct IndexEntry: Hashable {
        /// `all`, `status=confirmed`, `city=madrid`, …, or ``FileOrderStore/deliveredKey``.
        var key: String
        var subject: Subject

        /// What an entry names, which says its day and its name.
        enum Subject: Hashable {
            /// An order, by its place in order listings: its day is the day it was created.
            case order(OrderListPosition)
            /// An event of an order, by its place in event listings: its day is the day the event occurred.
            case event(EventListPosition, of: OrderID)
        }

        init(key: String, subject: Subject) {
            self.key = key
            self.subject = subject
        }

        init(key: String, position: OrderListPosition) {
            self.init(key: key, subject: .order(position))
        }

        /// The order the entry names, whose document decides whether it is true.
        var orderID: OrderID {
            switch subject {
            case .order(let position): position.id
            case .event(_, let orderID): orderID
            }
        }

        var day: String {
            switch subject {
            case .order(let position): Self.day(of: position.createdAt)
            case .event(let position, _): Self.day(of: position.occurredAt)
            }
        }

        /// `<created ms>_<order id>` for an order; `<event id>.<order id>` for an event, the event id being of the
        /// service's form (`evt_` and a ULID, which says when it occurred). Ids hold no `.`, so the two never meet.
        var name: String {
            switch subject {
            case .order(let position): Self.name(of: position)
            case .event(let position, let orderID): "\(position.eventID).\(orderID.rawValue)"
            }
        }

        static func day(of time: Timestamp) -> String {
            String(time.description.prefix(10))
        }

        static func name(of position: OrderListPosition) -> String {
            let digits = String(max(0, position.createdAt.millisecondsSinceEpoch))
            return String(repeating: "0", count: max(0, 13 - digits.count)) + digits + "_" + position.id.rawValue
        }

        /// Reads an order entry's name; only the exact name ``name(of:)`` writes is accepted.
        static func position(fromName name: String) -> OrderListPosition? {
            guard let separator = name.firstIndex(of: "_"), let millis = Int64(name[..<separator]),
                let id = OrderID(String(name[name.index(after: separator)...]))
            else { return nil }
            let position = OrderListPosition(createdAt: Timestamp(millisecondsSinceEpoch: millis), id: id)
            return Self.name(of: position) == name ? position : nil
        }

        /// Reads an entry's name, of either kind; only the exact names ``name`` writes are accepted.
        static func subject(fromName name: String) -> Subject? {
            guard let dot = name.firstIndex(of: ".") else { return position(fromName: name).map(Subject.order) }
            guard let position = EventListPosition(eventID: String(name[..<dot])),
                let orderID = OrderID(String(name[name.index(after: dot)...]))
            else { return nil }
            return .event(position, of: orderID)
        }

        /// The entry `name` of the segment of `key`, if it is an entry's name.
        init?(key: String, name: String) {
            guard let subject = Self.subject(fromName: name) else { return nil }
            self.init(key: key, subject: subject)
        }
    }

    /// The key of the index of delivered events: `index/delivered/<day>.log`, `<day>` the UTC day each event occurred.
    static let deliveredKey = "delivered"

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

    /// The entries `document` should have: its order under each of its ``indexKeys(of:)``, and each of its delivered
    /// events under ``deliveredKey``. So a write that marks an event delivered journals its entry before the document
    /// says so, and one that makes it pending again journals it as removed after, as for any other entry.
    static func indexEntries(of document: OrderDocument) -> Set<IndexEntry> {
        let position = OrderListPosition(of: document.order)
        var entries = Set(indexKeys(of: document.order).map { IndexEntry(key: $0, position: position) })
        for event in document.events where event.delivery.state == .delivered {
            // Only an id of the service's form says when its event occurred, which names its entry and its day.
            guard let eventPosition = EventListPosition(eventID: event.id) else { continue }
            entries.insert(IndexEntry(key: deliveredKey, subject: .event(eventPosition, of: document.order.id)))
        }
        return entries
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

    /// One segment: the entries of one key created on one day.
    struct SegmentID: Hashable, Comparable {
        var key: String
        var day: String

        static func < (lhs: SegmentID, rhs: SegmentID) -> Bool {
            (lhs.key, lhs.day) < (rhs.key, rhs.day)
        }
    }

    /// One record of a segment: `+<name>` or `-<name>`.
    struct SegmentRecord: Equatable {
        var name: String
        var added: Bool

        var payload: String { (added ? "+" : "-") + name }

        init(name: String, added: Bool) {
            self.name = name
            self.added = added
        }

        init?(payload: Substring) {
            guard let sign = payload.first, sign == "+" || sign == "-",
                IndexEntry.subject(fromName: String(payload.dropFirst())) != nil
            else { return nil }
            self.init(name: String(payload.dropFirst()), added: sign == "+")
        }
    }

    func keyDirectory(_ key: String) -> String { "\(indexRoot)/\(key)" }

    static func segmentName(of day: String) -> String { "\(day).log" }

    func segmentPath(_ segment: SegmentID) -> String {
        "\(keyDirectory(segment.key))/\(Self.segmentName(of: segment.day))"
    }

    /// Where an earlier release kept the entries of `segment`, an empty file each: `index/<key>/<day>/`, and
    /// `delivered-events/<day>/` for the delivered events.
    func legacyDirectory(of segment: SegmentID) -> String {
        segment.key == Self.deliveredKey
            ? "\(legacyDeliveredEventDirectory)/\(segment.day)" : "\(keyDirectory(segment.key))/\(segment.day)"
    }

    /// Where an earlier release kept `entry`, as an empty file.
    func legacyEntryPath(_ entry: IndexEntry) -> String {
        "\(legacyDirectory(of: SegmentID(key: entry.key, day: entry.day)))/\(entry.name)"
    }

    /// Makes `segment` if it is missing, unflushed: its caller flushes the file system after (a checkpoint, a bulk
    /// import), and writes the segment's first line with its first records (see ``appendToSegment``).
    func ensureSegment(_ segment: SegmentID) throws {
        try FileSystem.makeDirectories(keyDirectory(segment.key))
        try FileSystem.createEmptyFile(
            directory: keyDirectory(segment.key), name: Self.segmentName(of: segment.day), durably: false)
    }

    /// Appends records to an existing segment, in one write, and flushes it (unless the caller flushes the file
    /// system itself), under its lock; a segment that is missing is left missing.
    ///
    /// With `marking`, an empty segment gets its first line before the records: an empty one, which earlier releases
    /// wrote once a segment's name was durable (and before trusting one, synced a segment without it). With
    /// `startingLine`, the records follow an empty line: a checkpoint's, so that they never join a line that a failed
    /// write-back may have left torn on the disk, whatever the page cache shows.
    func appendToSegment(
        _ segment: SegmentID, payloads: [String], durably: Bool = true, marking: Bool = false,
        startingLine: Bool = false
    ) throws {
        let path = segmentPath(segment)
        _ = try FileLock.withLock(on: path, creating: false, deadline: nil) {
            guard
                let descriptor = try FileSystem.openForAppending(
                    directory: keyDirectory(segment.key), name: Self.segmentName(of: segment.day), creating: false)
            else { return }
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            if marking, try FileSystem.size(descriptor, path: path) == 0 {
                bytes = Self.segmentMark
            } else if startingLine {
                bytes = [UInt8(ascii: "\n")]
            }
            bytes += FramedRecords.frame(payloads)
            _ = try FileSystem.append(bytes, to: descriptor, path: path)
            if durably { try FileSystem.syncData(descriptor, path: path) }
        }
    }

    /// The first line of every segment whose name is durable: empty, so no reader takes it for a record.
    static let segmentMark = [UInt8(ascii: "\n")]

    /// The records of a segment in order; none if it is missing.
    func segmentRecords(_ segment: SegmentID) throws -> [SegmentRecord] {
        guard let bytes = try FileSystem.read(segmentPath(segment)) else { return [] }
        return FramedRecords.payloads(in: bytes).compactMap(SegmentRecord.init(payload:))
    }

    /// The names that `records` leave added: each name's last record decides.
    static func liveNames(_ records: [SegmentRecord]) -> Set<String> {
        var live = Set<String>()
        for record in records {
            if record.added { live.insert(record.name) } else { live.remove(record.name) }
        }
        return live
    }

    /// Where the entries of one key are, over the days a listing wants: the days of its segments and of an earlier
    /// release's entry directories, and what the journals hold for its segments. Knows the days without reading a
    /// segment: ``names(on:in:)`` reads a day's when the listing gets there, so a page costs the days it covers.
    struct IndexDays {
        let key: String
        /// Every day with entries, in no order.
        var days: Set<String> { segmentDays.union(legacyDays) }
        fileprivate var segmentDays: Set<String> = []
        fileprivate var legacyDays: Set<String> = []
        fileprivate var journaled: [String: [SegmentRecord]] = [:]

        /// The names `day`'s segment and the journals leave added, and those of the entry files of an earlier
        /// release (`legacy`), which may hold anything.
        func names(on day: String, in store: FileOrderStore) throws -> (live: Set<String>, legacy: Set<String>) {
            let segment = SegmentID(key: key, day: day)
            let live =
                segmentDays.contains(day)
                ? FileOrderStore.liveNames(try store.segmentRecords(segment) + (journaled[day] ?? [])) : []
            let legacy =
                legacyDays.contains(day) ? Set(try FileSystem.entries(of: store.legacyDirectory(of: segment))) : []
            return (live, legacy)
        }
    }

    /// The days of `key` for which `inRange` holds: one read of the journals and of the key's directories.
    func indexDays(of key: String, where inRange: (String) -> Bool) throws -> IndexDays {
        var index = IndexDays(key: key)
        // The journals first: a checkpoint empties one only after appending its records to the segments.
        for case .entry(let segment, let name, let added) in try journalRecords()
        where segment.key == key && inRange(segment.day) {
            index.journaled[segment.day, default: []].append(SegmentRecord(name: name, added: added))
        }
        // A segment the journals hold records of counts, whether a checkpoint has made its file yet or not.
        index.segmentDays = Set(index.journaled.keys)
        let directory = keyDirectory(key)
        let legacyRoot = key == Self.deliveredKey ? legacyDeliveredEventDirectory : directory
        for name in try FileSystem.entries(of: directory) where !name.hasPrefix(".") {
            if name.hasSuffix(".log"), case let day = String(name.dropLast(4)), Self.isDayName(day), inRange(day) {
                index.segmentDays.insert(day)
            } else if legacyRoot == directory, Self.isDayName(name), inRange(name) {
                index.legacyDays.insert(name)
            }
        }
        if legacyRoot != directory {
            for name in try FileSystem.entries(of: legacyRoot) where Self.isDayName(name) && inRange(name) {
                index.legacyDays.insert(name)
            }
        }
        return index
    }

    /// Commits `document` over `original` (`nil` for a new order): one append to its journal, flushed, that holds the
    /// document, the index entries it adds and makes stale, and its outbox hint (see the journal, in
    /// `FileOrderStore+Journal.swift`). The caller holds the order's lock.
    func commit(_ document: OrderDocument, replacing original: OrderDocument?, at location: Location) throws {
        let id = document.order.id
        let wanted = Self.indexEntries(of: document)
        let previous = original.map(Self.indexEntries(of:)) ?? []
        var records: [JournalRecord] = [.document(id, version: document.order.version, json: document.encoded())]
        let byName = { (lhs: IndexEntry, rhs: IndexEntry) in (lhs.key, lhs.name) < (rhs.key, rhs.name) }
        for entry in wanted.subtracting(previous).sorted(by: byName) { records.append(.entry(of: entry, added: true)) }
        for entry in previous.subtracting(wanted).sorted(by: byName) { records.append(.entry(of: entry, added: false)) }
        let hint = "\(outboxDirectory)/\(id.rawValue)"
        var clearsHint = false
        if document.hasPendingEvents {
            // Journaled whether or not the file was there: one a failed attempt made was never synced. The checkpoint's
            // flush makes the file durable.
            try FileSystem.makeDirectories(outboxDirectory)
            try FileSystem.createEmptyFile(directory: outboxDirectory, name: id.rawValue, durably: false)
            records.append(.hint(id, pending: true))
        } else if try FileSystem.exists(hint) {
            clearsHint = true
            records.append(.hint(id, pending: false))
        }
        try appendToJournal(records, of: id, durable: true)

        // Committed. Not flushed, and failures ignored: what a crash takes back is only stale.
        for entry in previous.subtracting(wanted) { FileSystem.remove(legacyEntryPath(entry)) }
        if clearsHint { FileSystem.remove(hint) }
    }
}

extension FileOrderStore.JournalRecord {
    /// The record of an index entry added or made stale.
    static func entry(of entry: FileOrderStore.IndexEntry, added: Bool) -> Self {
        .entry(FileOrderStore.SegmentID(key: entry.key, day: entry.day), name: entry.name, added: added)
    }
}

extension FileOrderStore: OrderListing {
    /// Reads the journals, then walks the segments (and the entry files of earlier releases) of one index (customer,
    /// else city, else status, else country, else all orders), oldest day first, reads the document of each
    /// candidate and checks it against the filter; an entry the document does not bear out is removed.
    public func list(_ filter: OrderFilter, after position: OrderListPosition?, limit: Int) throws -> OrderPage {
        let limit = max(1, limit)
        let key = Self.drivingKey(for: filter)
        let start = [position?.createdAt, filter.createdFrom].compactMap { $0 }.max()
        let firstDay = start.map(IndexEntry.day(of:))
        let lastDay = filter.createdBefore.map(IndexEntry.day(of:))
        func inRange(_ day: String) -> Bool {
            firstDay.map { day >= $0 } ?? true && lastDay.map { day <= $0 } ?? true
        }

        let index = try indexDays(of: key, where: inRange)
        var page = PageBuilder(limit: limit)
        for day in index.days.sorted() {
            let (names, legacy) = try index.names(on: day, in: self)
            var candidates: [OrderListPosition] = []
            for name in names.union(legacy) {
                guard let candidate = IndexEntry.position(fromName: name) else { continue }  // Not an entry: skip.
                if let position, !(position < candidate) { continue }
                if let from = filter.createdFrom, candidate.createdAt < from { continue }
                if let before = filter.createdBefore, !(candidate.createdAt < before) { continue }
                candidates.append(candidate)
            }
            for candidate in candidates.sorted() {
                let entry = IndexEntry(key: key, position: candidate)
                do {
                    guard
                        let (document, size) = try indexedDocument(entry, day: day, legacy: legacy.contains(entry.name))
                    else { continue }
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

    /// The document an entry found in `day`'s segment (or entry files, when `legacy`), and its size in bytes, if the
    /// entry is true of it; a stale entry is removed.
    private func indexedDocument(_ entry: IndexEntry, day: String, legacy: Bool) throws -> (OrderDocument, Int)? {
        if let (document, size) = try readSized(at: location(of: entry.orderID)), isTrue(entry, of: document),
            entry.day == day
        {
            return (document, size)
        }
        if entry.day == day { removeIfStale(entry, legacy: legacy) }
        return nil
    }

    func isTrue(_ entry: IndexEntry, of document: OrderDocument) -> Bool {
        Self.indexEntries(of: document).contains(entry)
    }

    /// Journals `entry` as removed, and removes its file if an earlier release wrote one (`legacy`), if its order's
    /// document, read again under ``withEntryLocks(of:_:)``, does not bear it out. Left as it is when a writer holds
    /// them: it may be writing that very entry.
    func removeIfStale(_ entry: IndexEntry, legacy: Bool) {
        _ = try? withEntryLocks(of: entry) {
            let current = try read(at: location(of: entry.orderID))
            guard current.map({ !isTrue(entry, of: $0) }) ?? true else { return }
            if legacy { FileSystem.remove(legacyEntryPath(entry)) }
            try appendToJournal([.entry(of: entry, added: false)], of: entry.orderID, durable: false)
        }
    }

    /// Runs `body` holding, without waiting, the locks under which `entry` is written: the order's, which a writer holds
    /// from journaling its entries to committing its document, so that an entry of a commit in progress is never taken
    /// away; and for a delivered event its delivery lock too, under which an earlier release wrote the event's entry
    /// file before recording the delivery. `nil` when a writer holds one.
    func withEntryLocks<Result>(of entry: IndexEntry, _ body: () throws -> Result) throws -> Result? {
        let id = entry.orderID
        guard entry.key == Self.deliveredKey else {
            return try withOrderLock(id, deadline: FileLock.deadline(after: 0), body)
        }
        return try withDeliveryLock(id, waitingAtMost: 0) {
            try withOrderLock(id, deadline: FileLock.deadline(after: 0), body)
        } ?? nil
    }

    static func isDayName(_ name: String) -> Bool {
        name.utf8.count == 10 && !name.hasPrefix(".")
    }
}

extension FileOrderStore: ReindexableStore {
    /// Checkpoints every journal, reads every document under its lock, then rebuilds every segment under its lock,
    /// compacted to one record per entry; moves the entry files of earlier releases into the segments. Takes each
    /// order's lock in turn, never more than one at a time, so requests wait at most for one order.
    ///
    /// Holds, per order, its position and its segments, a few dozen bytes, and 32 bytes per delivered event, so that
    /// a million orders fit in memory. Moves the delivered events' entry files of an earlier release
    /// (`delivered-events/<day>/`) into the segments of ``deliveredKey`` too, and removes their directory.
    public func reindex() throws -> ReindexReport {
        var report = ReindexReport()
        // Anything but a directory in place of a key's (a link planted there, a stray file) goes first: the checkpoint
        // below would refuse it, and nothing could be repaired.
        for key in try FileSystem.entries(of: indexRoot) where !key.hasPrefix(".") {
            guard !FileSystem.isDirectory(keyDirectory(key)) else { continue }
            FileSystem.remove(keyDirectory(key))
            report.entriesRemoved += 1
        }
        // Then the journals, so that the documents' files and the segments hold every record written so far.
        try checkpoint()

        // Then every document, each under its lock: the entries it needs.
        var positions: [OrderListPosition] = []
        var members: [SegmentID: [Int32]] = [:]
        var deliveredMembers: [SegmentID: [DeliveredEventMember]] = [:]
        var unreadable = Set<OrderID>()
        let ordersDirectory = "\(root)/orders"
        for bucket in try FileSystem.entries(of: ordersDirectory) where !bucket.hasPrefix(".") {
            let bucketDirectory = "\(ordersDirectory)/\(bucket)"
            guard FileSystem.isDirectory(bucketDirectory) else { continue }
            let names = Set(try FileSystem.entries(of: bucketDirectory))
            for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
                guard let id = OrderID(String(name.dropLast(5))) else { continue }
                let location = location(of: id)
                if names.contains("\(id.rawValue).delivery.lock") {
                    // Left by an earlier release; removed under its lock, unless a delivery holds it now.
                    _ = try withDeliveryLock(id, waitingAtMost: 0) {}
                }
                try withOrderLock(id) {
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
                    positions.append(OrderListPosition(of: document.order))
                    let order = Int32(positions.count - 1)
                    for entry in Self.indexEntries(of: document) {
                        let segment = SegmentID(key: entry.key, day: entry.day)
                        switch entry.subject {
                        case .order: members[segment, default: []].append(order)
                        case .event(let position, _):
                            deliveredMembers[segment, default: []].append(
                                DeliveredEventMember(order: order, eventID: position.eventID))
                        }
                    }
                }
            }
        }

        // Every segment there is or should be, and the entry directories of earlier releases; anything else goes.
        var segments = Set(members.keys).union(deliveredMembers.keys)
        var legacy: [SegmentID: [String]] = [:]
        for key in try FileSystem.entries(of: indexRoot) where !key.hasPrefix(".") {
            let directory = keyDirectory(key)
            guard FileSystem.isDirectory(directory) else {
                FileSystem.remove(directory)
                report.entriesRemoved += 1
                continue
            }
            for name in try FileSystem.entries(of: directory) where !name.hasPrefix(".") {
                let path = "\(directory)/\(name)"
                let isDirectory = FileSystem.isDirectory(path)
                if name.hasSuffix(".log"), !isDirectory, case let day = String(name.dropLast(4)), Self.isDayName(day) {
                    segments.insert(SegmentID(key: key, day: day))
                } else if Self.isDayName(name), isDirectory, key != Self.deliveredKey {
                    legacy[SegmentID(key: key, day: name)] = try FileSystem.entries(of: path)
                    segments.insert(SegmentID(key: key, day: name))
                } else if !isDirectory {
                    FileSystem.remove(path)
                    report.entriesRemoved += 1
                }
            }
        }
        for day in try FileSystem.entries(of: legacyDeliveredEventDirectory) where Self.isDayName(day) {
            let path = "\(legacyDeliveredEventDirectory)/\(day)"
            guard FileSystem.isDirectory(path) else { continue }
            let segment = SegmentID(key: Self.deliveredKey, day: day)
            legacy[segment] = try FileSystem.entries(of: path)
            segments.insert(segment)
        }
        for segment in segments.sorted() {
            var expected = Set((members[segment] ?? []).map { IndexEntry.name(of: positions[Int($0)]) })
            for member in deliveredMembers[segment] ?? [] {
                expected.insert("\(member.eventID).\(positions[Int(member.order)].id.rawValue)")
            }
            try rebuild(segment, expected: expected, legacy: legacy[segment], unreadable: unreadable, report: &report)
        }
        // Gone once its day directories are: a release that still writes there (during an upgrade) makes it again.
        FileSystem.removeDirectory(legacyDeliveredEventDirectory)
        report.unreadableOrders = unreadable.map(\.rawValue).sorted()
        report.temporaryFilesRemoved = try removeAbandonedTemporaryFiles()
        return report
    }

    /// Rewrites one segment, under its lock, with the entries the documents asked for (`expected`), and those it
    /// holds that no document asked for but that are still true of their order once checked under its lock (the
    /// order was created or changed since its document was read). The entry files of an earlier release for it
    /// (`legacy`) count as its entries, and are removed once it is written.
    private func rebuild(
        _ segment: SegmentID, expected: Set<String>, legacy: [String]?, unreadable: Set<OrderID>,
        report: inout ReindexReport
    ) throws {
        let directory = keyDirectory(segment.key)
        let name = Self.segmentName(of: segment.day)
        try FileSystem.makeDirectories(directory)
        let legacyNames = Set(legacy ?? [])
        try FileLock.withLock(on: segmentPath(segment)) {
            let bytes = try FileSystem.read(segmentPath(segment)) ?? []
            let payloads = FramedRecords.payloads(in: bytes)
            let records = payloads.compactMap(SegmentRecord.init(payload:))
            let live = Self.liveNames(records)
            // Already compact: its mark, then whole lines only, each a valid record, each adding a different entry.
            let isCompact =
                bytes.first == UInt8(ascii: "\n") && records.count == payloads.count && records.count == live.count
                && bytes.count(where: { $0 == UInt8(ascii: "\n") }) == payloads.count + 1
                && bytes.last == UInt8(ascii: "\n")
            var kept = expected
            for name in expected.subtracting(live) {
                if legacyNames.contains(name) {
                    report.entriesMigrated += 1
                } else if segment.key == Self.deliveredKey {
                    report.deliveredEventsIndexed += 1
                } else {
                    report.entriesAdded += 1
                }
            }
            for name in live.union(legacyNames).subtracting(expected) {
                guard let entry = IndexEntry(key: segment.key, name: name) else {
                    report.entriesRemoved += 1  // Not an entry: a file of another kind among the old entry files.
                    continue
                }
                guard entry.day == segment.day else {
                    report.entriesRemoved += 1  // In another day's segment: never true.
                    continue
                }
                // Without waiting: a writer holding the order's lock may be waiting for its journal, whose
                // checkpoint may be waiting for this segment. An entry that cannot be checked now is kept; stale, it
                // only costs a read.
                // An order whose document cannot be read keeps its entries, as its document stays as it is.
                let holds =
                    unreadable.contains(entry.orderID)
                    || ((try? withEntryLocks(of: entry) {
                        try read(at: location(of: entry.orderID)).map { isTrue(entry, of: $0) } ?? false
                    }) ?? nil) ?? true
                if holds {
                    kept.insert(name)
                    if !live.contains(name) { report.entriesMigrated += 1 }
                } else {
                    report.entriesRemoved += 1
                }
            }
            // Rewritten only when it changes (the order of its records does not matter), which is a flush of the
            // segment and one of its directory.
            guard kept != live || !isCompact else { return }
            let compacted =
                Self.segmentMark
                + FramedRecords.frame(kept.sorted().map { SegmentRecord(name: $0, added: true).payload })
            try FileSystem.writeAtomically(compacted, directory: directory, name: name)
        }
        guard let legacy else { return }
        let legacyDirectory = legacyDirectory(of: segment)
        for name in legacy { FileSystem.remove("\(legacyDirectory)/\(name)") }
        FileSystem.removeDirectory(legacyDirectory)
    }

    /// A write holds its temp file for milliseconds; after an hour, its process is certainly gone.
    static let abandonedTemporaryFileAge = 3600

    /// Removes the temp files that processes killed mid-write left beside documents, idempotency records and dead
    /// letters, once they are ``abandonedTemporaryFileAge`` seconds old. Nothing reads them; they only take space.
    private func removeAbandonedTemporaryFiles() throws -> Int {
        var directories = [deadLetterDirectory]
        for parent in ["\(root)/orders", idempotencyRoot, indexRoot] {
            directories += try FileSystem.entries(of: parent).map { "\(parent)/\($0)" }.filter(FileSystem.isDirectory)
        }
        return try directories.reduce(0) { removed, directory in
            removed + (try FileSystem.removeTemporaryFiles(in: directory, olderThan: Self.abandonedTemporaryFileAge))
        }
    }
}

/// A delivered event as ``FileOrderStore/reindex()`` holds it until it rebuilds the event's segment: its order, as an
/// index into the positions read, and its id's ULID as one number. 32 bytes, where its name would take 90 as a string:
/// a store has several delivered events per order.
struct DeliveredEventMember {
    var order: Int32
    /// The 26 base-32 digits of the ULID, 130 bits of which the first 2 are 0 in an id of the service's form.
    var ulid: UInt128

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// The member for the event `eventID` of the order at `order`; `eventID` is of the service's form (see
    /// ``EventListPosition/init(eventID:)``), as every delivered entry's is.
    init(order: Int32, eventID: String) {
        self.order = order
        ulid = eventID.utf8.dropFirst(4).reduce(0) { value, digit in
            value &<< 5 | UInt128(Self.alphabet.firstIndex(of: digit) ?? 0)
        }
    }

    /// `evt_` and the ULID.
    var eventID: String {
        let digits = (0..<26).map { index in Self.alphabet[Int((ulid >> (5 * (25 - index))) & 31)] }
        return "evt_" + String(decoding: digits, as: UTF8.self)
    }
}
