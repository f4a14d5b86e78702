import OrderDomain

#if canImport(Glibc)
    import Glibc
#endif

/// The journal of the file store: `<root>/journal/<n>`, four append-only files of framed records (see
/// ``FramedRecords``), each shared by the orders whose id hashes to it. It is what makes a write's index entries and
/// outbox hint durable in one flush:
///
/// - A write appends, under the order's lock, a record for each index entry it adds (`+ <key> <day> <name>`) and for
///   the outbox hint it creates (`o <id>`), and flushes the journal once (`fdatasync`), before its document's commit.
///   The entries' segments and the hint file are written without a flush of their own: whatever a crash takes from
///   them, the journal still holds.
/// - After its commit, it appends, without a flush, a record for each entry its change made stale (`- …`) and for the
///   hint it cleared (`x <id>`). A crash may lose those, which leaves a stale hint, never a missing one.
/// - Readers (listings, ``ordersWithPendingEvents()``) read the journals with the segments and the outbox, so a
///   record counts as soon as it is appended.
/// - Once a journal passes ``journalCheckpointBytes``, the write that finds it so (after releasing its order's lock)
///   checkpoints it: under the journal's lock, its records are appended to their segments, each segment and the outbox
///   directory flushed once, and the journal emptied. So a checkpoint costs one flush per segment that the records of
///   a few hundred writes touched, not one per entry.
///
/// A record for a segment that does not exist is ignored, by readers and checkpoints alike: a write creates its
/// segments, durably, before journaling anything for them, so only damage (a removed index directory) leaves one, and
/// ``reindex()`` repairs it from the documents.
///
/// Lock order: an order's lock, then its journal's; a journal's, then a segment's. A checkpoint never runs under an
/// order's lock, and ``reindex()`` takes orders' locks under a segment's only without waiting.
extension FileOrderStore {
    /// One record of a journal.
    enum JournalRecord: Equatable {
        /// An index entry added (`+`) or made stale (`-`).
        case entry(IndexEntry, added: Bool)
        /// An outbox hint created (`o`) or cleared (`x`).
        case hint(OrderID, pending: Bool)

        var payload: String {
            switch self {
            case .entry(let entry, let added):
                return "\(added ? "+" : "-") \(entry.key) \(entry.day) \(entry.name)"
            case .hint(let id, let pending):
                return "\(pending ? "o" : "x") \(id.rawValue)"
            }
        }

        /// Reads a record's payload; `nil` for anything ``payload`` does not write.
        init?(payload: Substring) {
            let fields = payload.split(separator: " ", omittingEmptySubsequences: false)
            switch (fields.first, fields.count) {
            case ("+", 4), ("-", 4):
                guard let entry = IndexEntry(key: String(fields[1]), name: String(fields[3])), entry.day == fields[2],
                    !fields[1].isEmpty
                else { return nil }
                self = .entry(entry, added: fields[0] == "+")
            case ("o", 2), ("x", 2):
                guard let id = OrderID(String(fields[1])) else { return nil }
                self = .hint(id, pending: fields[0] == "o")
            default:
                return nil
            }
        }
    }

    /// Journals: few, so that a reader reads them all cheaply; more than one, so that writers of different orders
    /// rarely wait for each other's flush.
    static let journalCount = 4
    /// The size past which a journal is checkpointed: a few hundred records, which every listing reads.
    static let journalCheckpointBytes = 24 << 10

    var journalDirectory: String { "\(root)/journal" }

    /// The name, in ``journalDirectory``, of the journal that holds the records of `id`.
    static func journalName(of id: OrderID) -> String {
        String(Int(hash(of: id) >> 8) % journalCount)
    }

    static var journalNames: [String] { (0..<journalCount).map(String.init) }

    /// Appends `records` to the journal of `id`, flushed before returning when `durable`. The caller holds the
    /// order's lock.
    func appendToJournal(_ records: [JournalRecord], of id: OrderID, durable: Bool) throws {
        guard !records.isEmpty else { return }
        let name = Self.journalName(of: id)
        let path = "\(journalDirectory)/\(name)"
        let descriptor = try FileSystem.openForAppending(directory: journalDirectory, name: name, creating: true)!
        defer { close(descriptor) }
        try FileLock.withLock(onOpenFile: descriptor, path: path) {
            // An empty journal may be one whose creator failed to sync its name (this write may be the retry): synced
            // again before anything is written into it, so that no record is flushed into a file a power loss could
            // take back, and a journal with records is known to be durable. Once per checkpoint at most.
            if try FileSystem.size(of: path) == 0 { try FileSystem.syncDirectory(journalDirectory) }
            _ = try FileSystem.append(FramedRecords.frame(records.map(\.payload)), to: descriptor, path: path)
        }
        // Outside the lock: the flush covers whatever was appended before it, and a checkpoint meanwhile has
        // already flushed the segments and outbox these records name, which were written before them.
        if durable { try FileSystem.syncData(descriptor, path: path) }
    }

    /// The records of every journal, each journal's in the order they were appended. Read before the segments and
    /// the outbox they complete: a checkpoint empties a journal only after appending its records to the segments.
    func journalRecords() throws -> [JournalRecord] {
        var records: [JournalRecord] = []
        for name in Self.journalNames {
            guard let bytes = try FileSystem.read("\(journalDirectory)/\(name)") else { continue }
            records += FramedRecords.payloads(in: bytes).compactMap(JournalRecord.init(payload:))
        }
        return records
    }

    /// Checkpoints the journal of `id` if it has grown past ``journalCheckpointBytes``. Called by writes after they
    /// release the order's lock. A failure is left to the next write: the journal still holds everything.
    func checkpointJournalIfDue(of id: OrderID) {
        let name = Self.journalName(of: id)
        guard let size = try? FileSystem.size(of: "\(journalDirectory)/\(name)"), size > Self.journalCheckpointBytes
        else { return }
        try? checkpointJournal(named: name)
    }

    /// Moves a journal's records into the segments they name and empties it: under the journal's lock, appends each
    /// segment's records in one write, flushes every segment touched and the outbox directory once each, then
    /// truncates the journal.
    func checkpointJournal(named name: String) throws {
        let path = "\(journalDirectory)/\(name)"
        guard let descriptor = try FileSystem.openForAppending(directory: journalDirectory, name: name, creating: false)
        else { return }
        defer { close(descriptor) }
        try FileLock.withLock(onOpenFile: descriptor, path: path) {
            let records = FramedRecords.payloads(in: try FileSystem.readAll(descriptor, path: path))
                .compactMap(JournalRecord.init(payload:))
            guard !records.isEmpty else {
                try FileSystem.truncate(descriptor, path: path)
                return
            }
            var bySegment: [SegmentID: [String]] = [:]
            var order: [SegmentID] = []
            var hasHints = false
            for record in records {
                switch record {
                case .entry(let entry, let added):
                    let segment = SegmentID(key: entry.key, day: entry.day)
                    if bySegment[segment] == nil { order.append(segment) }
                    bySegment[segment, default: []].append(SegmentRecord(name: entry.name, added: added).payload)
                case .hint(_, let pending):
                    hasHints = hasHints || pending
                }
            }
            for segment in order {
                try appendToSegment(segment, payloads: bySegment[segment]!)
            }
            if hasHints, FileSystem.isDirectory(outboxDirectory) { try FileSystem.syncDirectory(outboxDirectory) }
            try FileSystem.truncate(descriptor, path: path)
        }
    }
}

/// Records, one per line, each ending with the CRC-32 of its payload: `<payload>\t<8 hex digits>\n`. A line that does
/// not end, or whose checksum does not match (a write torn by a crash, a damaged disk), is skipped, never misread.
/// Payloads never hold a tab or a newline.
enum FramedRecords {
    static func frame(_ payloads: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for payload in payloads {
            let utf8 = Array(payload.utf8)
            bytes += utf8
            bytes.append(UInt8(ascii: "\t"))
            bytes += hex(crc32(utf8))
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// The payloads of the whole, intact records in `bytes`, in order.
    static func payloads(in bytes: [UInt8]) -> [Substring] {
        var payloads: [Substring] = []
        var start = 0
        while let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            defer { start = end + 1 }
            let line = bytes[start..<end]
            guard line.count > 9, line[end - 9] == UInt8(ascii: "\t") else { continue }
            let payload = Array(line[start..<(end - 9)])
            guard Array(line[(end - 8)..<end]) == hex(crc32(payload)) else { continue }
            payloads.append(Substring(decoding: payload, as: UTF8.self))
        }
        return payloads
    }

    private static func hex(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).map { digits[Int((value >> (28 - 4 * UInt32($0))) & 0xF)] }
    }

    /// CRC-32 (IEEE 802.3), as zlib computes it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }
}
