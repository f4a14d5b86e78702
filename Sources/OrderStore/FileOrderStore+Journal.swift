import OrderDomain
import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The write-ahead journal of the file store: `<root>/journal/wal-<n>`, eight append-only files of framed records (see
/// ``FramedRecords``), each shared by the orders whose id hashes to it. A write is committed by one append to its
/// order's journal and one flush (`fdatasync`); the documents, segments and outbox hints are written later, many
/// writes at once, by a checkpoint that flushes them all with one `syncfs`.
///
/// - A write appends, under its order's lock, in one append: its whole new document (`d <id> <version> <json>`:
///   sorted-key compact JSON holds no raw tab or newline), a record for each index entry it adds or makes stale
///   (`+ <key> <day> <name>`, `- …`), and one for the outbox hint it needs or clears (`o <id>`, `x <id>`). It then
///   flushes the journal, still holding the journal's lock: if the append or the flush fails, the journal is cut back
///   to its size before the append, so that no reader and no retry ever sees a record whose flush failed (a failed
///   flush is never retried and trusted), and the write fails.
/// - Readers take the journal's commit lock (shared) while they read it, so they never see an append whose flush is
///   still under way. A read of a document reads its order's journal first, then its file: the newest document record
///   of the order wins, unless the file holds a strictly greater `version` (a process of an earlier release, which
///   knows no journal, wrote the file during a rolling upgrade). Listings and ``ordersWithPendingEvents()`` read
///   every journal with the segments and the outbox.
/// - A checkpoint (``checkpointJournal(named:)``), once a journal passes ``journalCheckpointBytes`` or when
///   `dispatch-events` runs, writes under the journal's lock the newest document of each of its orders to its file
///   (temp file and rename, no flush), appends the entry records to their segments (no flush), then flushes the file
///   system once (`syncfs`), then empties the journal. It needs no order's lock: every write of a document goes
///   through the journal, and no write can append while the checkpoint holds the journal's lock. If anything fails,
///   the journal stays as it is, and the next checkpoint writes every file afresh, trusting nothing the failed one
///   wrote.
///
/// An emptied journal keeps its first line, an empty one, written once its name is durable: a journal without it (a
/// new file, whose creator may have failed to sync its name) has its directory synced by the first write into it.
///
/// The journals of earlier releases, `<root>/journal/0` to `3`, held entries and hints alone: they are read and
/// checkpointed with the others, and never written, so that a process of such a release, still running during an
/// upgrade, never finds a document record in a journal it checkpoints (and would empty without writing it).
///
/// Lock order: an order's lock, then its journal's (byte 0 of the file: appends and checkpoints), then the journal's
/// commit lock (byte 1: appends, write; readers, read); a journal's lock, then a segment's. A checkpoint never runs
/// under an order's lock, and ``reindex()`` takes orders' locks under a segment's only without waiting.
extension FileOrderStore {
    /// One record of a journal.
    enum JournalRecord: Equatable {
        /// The whole document of an order as a write committed it (`d`), with its order's version.
        case document(OrderID, version: Int, json: [UInt8])
        /// A record of a segment: `name` added (`+`) to it or removed (`-`), whatever the kind of entry it names.
        case entry(SegmentID, name: String, added: Bool)
        /// An outbox hint created (`o`) or cleared (`x`).
        case hint(OrderID, pending: Bool)

        var payload: [UInt8] {
            switch self {
            case .document(let id, let version, let json):
                return Array("d \(id.rawValue) \(version) ".utf8) + json
            case .entry(let segment, let name, let added):
                return Array("\(added ? "+" : "-") \(segment.key) \(segment.day) \(name)".utf8)
            case .hint(let id, let pending):
                return Array("\(pending ? "o" : "x") \(id.rawValue)".utf8)
            }
        }

        /// Reads a record's payload; `nil` for anything ``payload`` does not write.
        init?(payload: ArraySlice<UInt8>) {
            if payload.first == UInt8(ascii: "d") {
                guard let (id, version, json) = Self.document(in: payload) else { return nil }
                self = .document(id, version: version, json: Array(json))
                return
            }
            let fields = String(decoding: payload, as: UTF8.self).split(
                separator: " ", omittingEmptySubsequences: false)
            switch (fields.first, fields.count) {
            case ("+", 4), ("-", 4):
                guard !fields[1].isEmpty, FileOrderStore.isDayName(String(fields[2])), !fields[3].isEmpty else {
                    return nil
                }
                self = .entry(
                    SegmentID(key: String(fields[1]), day: String(fields[2])), name: String(fields[3]),
                    added: fields[0] == "+")
            case ("o", 2), ("x", 2):
                guard let id = OrderID(String(fields[1])) else { return nil }
                self = .hint(id, pending: fields[0] == "o")
            default:
                return nil
            }
        }

        /// The order, version and JSON of a document record's payload.
        static func document(in payload: ArraySlice<UInt8>) -> (OrderID, Int, ArraySlice<UInt8>)? {
            let space = UInt8(ascii: " ")
            guard payload.first == UInt8(ascii: "d"), payload.dropFirst().first == space else { return nil }
            let idStart = payload.startIndex + 2
            guard let idEnd = payload[idStart...].firstIndex(of: space),
                let versionEnd = payload[(idEnd + 1)...].firstIndex(of: space),
                let id = OrderID(String(decoding: payload[idStart..<idEnd], as: UTF8.self)),
                let version = Int(String(decoding: payload[(idEnd + 1)..<versionEnd], as: UTF8.self))
            else { return nil }
            return (id, version, payload[(versionEnd + 1)...])
        }
    }

    /// Journals: more than one, so that writers of different orders rarely wait for each other's flush, which each
    /// makes holding its journal's lock; few, so that a listing reads them all cheaply.
    static let journalCount = 8
    /// The size past which a journal is checkpointed: the records of about twenty writes, which every listing reads.
    static let journalCheckpointBytes = 32 << 10
    /// The first line of a journal whose name is durable: empty, so no reader takes it for a record.
    static let journalMark = [UInt8(ascii: "\n")]

    var journalDirectory: String { "\(root)/journal" }

    /// The name, in ``journalDirectory``, of the journal that holds the records of `id`.
    static func journalName(of id: OrderID) -> String {
        "wal-\(Int(hash(of: id) >> 8) % journalCount)"
    }

    /// The journals of earlier releases: read and checkpointed, never written.
    static let legacyJournalNames: Set<String> = ["0", "1", "2", "3"]

    static var journalNames: [String] { legacyJournalNames.sorted() + (0..<journalCount).map { "wal-\($0)" } }

    /// Appends `records` to the journal of `id` in one write, flushed before returning when `durable`; when the write
    /// or the flush fails, cuts the journal back to its size before and throws. The caller holds the order's lock.
    func appendToJournal(_ records: [JournalRecord], of id: OrderID, durable: Bool) throws {
        guard !records.isEmpty else { return }
        let name = Self.journalName(of: id)
        let path = "\(journalDirectory)/\(name)"
        let descriptor = try FileSystem.openForAppending(directory: journalDirectory, name: name, creating: true)!
        defer { close(descriptor) }
        try FileLock.withLock(onOpenFile: descriptor, path: path) {
            // An empty journal may be one whose creator failed to sync its name (this write may be the retry): synced
            // again, then marked, before anything is written into it, so that no record is flushed into a file a
            // power loss could take back.
            if try FileSystem.size(descriptor, path: path) == 0 {
                try FileSystem.syncDirectory(journalDirectory)
                _ = try FileSystem.append(Self.journalMark, to: descriptor, path: path)
            }
            try FileLock.withLock(onOpenFile: descriptor, path: path, offset: 1) {
                let size = try FileSystem.size(descriptor, path: path)
                do {
                    _ = try FileSystem.append(FramedRecords.frame(records.map(\.payload)), to: descriptor, path: path)
                    if durable { try FileSystem.syncData(descriptor, path: path) }
                } catch {
                    try? FileSystem.truncate(descriptor, path: path, to: size)
                    throw error
                }
            }
        }
    }

    /// The bytes of the journal at `path`, read under its commit lock (shared): whole appends only, each flushed.
    /// `nil` if there is no such journal.
    private func readJournal(at path: String) throws -> [UInt8]? {
        guard let descriptor = try FileSystem.openForReading(path) else { return nil }
        defer { close(descriptor) }
        return try FileLock.withLock(onOpenFile: descriptor, path: path, offset: 1, shared: true) {
            try FileSystem.readAll(descriptor, path: path)
        }
    }

    /// The newest document of `id` in its journal, with its order's version; `nil` if the journal holds none. One read
    /// of one journal; only the records of this order are checksummed and none is decoded.
    func journaledDocument(of id: OrderID) throws -> (version: Int, json: ArraySlice<UInt8>)? {
        guard let bytes = try readJournal(at: "\(journalDirectory)/\(Self.journalName(of: id))") else { return nil }
        guard let payload = FramedRecords.lastPayload(in: bytes, startingWith: Array("d \(id.rawValue) ".utf8)),
            let (_, version, json) = JournalRecord.document(in: payload)
        else { return nil }
        return (version, json)
    }

    /// The records of every journal but the documents, each journal's in the order they were appended. Read before
    /// the segments and the outbox they complete: a checkpoint empties a journal only after writing those.
    func journalRecords() throws -> [JournalRecord] {
        let known = Set(Self.journalNames)
        var records: [JournalRecord] = []
        // Only the journals there are: those of earlier releases are often gone.
        for name in try FileSystem.entries(of: journalDirectory).sorted() where known.contains(name) {
            guard let bytes = try readJournal(at: "\(journalDirectory)/\(name)") else { continue }
            records += FramedRecords.records(in: bytes, skipping: UInt8(ascii: "d"))
                .compactMap(JournalRecord.init(payload:))
        }
        return records
    }

    /// Checkpoints the journal of `id` if it has grown past ``journalCheckpointBytes``. Called by writes after they
    /// release the order's lock. A failure goes to ``checkpointFailed`` and is left to the next checkpoint: the journal
    /// still holds everything.
    func checkpointJournalIfDue(of id: OrderID) {
        let name = Self.journalName(of: id)
        guard let size = try? FileSystem.size(of: "\(journalDirectory)/\(name)"), size > Self.journalCheckpointBytes
        else { return }
        do {
            try checkpointJournal(named: name)
        } catch let error as StoreError {
            checkpointFailed(error)
        } catch {
            checkpointFailed(StoreError(.ioFailure, "checkpoint \(journalDirectory)/\(name): \(error)"))
        }
    }

    /// Checkpoints every journal that holds records (see ``checkpointJournal(named:)``).
    public func checkpoint() throws {
        let known = Set(Self.journalNames)
        for name in try FileSystem.entries(of: journalDirectory).sorted() where known.contains(name) {
            try checkpointJournal(named: name)
        }
    }

    /// Moves a journal's records into the files they stand for and empties it, under the journal's lock: writes the
    /// newest document of each order (unless its file holds a greater version), appends each segment's records in one
    /// write, flushes the file system once (`syncfs`), then cuts the journal back to its mark. Nothing but the
    /// `syncfs` is flushed; a failure leaves the journal as it was.
    func checkpointJournal(named name: String) throws {
        let path = "\(journalDirectory)/\(name)"
        guard let descriptor = try FileSystem.openForAppending(directory: journalDirectory, name: name, creating: false)
        else { return }
        defer { close(descriptor) }
        let emptied = Self.legacyJournalNames.contains(name) ? 0 : Self.journalMark.count
        try FileLock.withLock(onOpenFile: descriptor, path: path) {
            let bytes = try FileSystem.readAll(descriptor, path: path)
            let records = FramedRecords.records(in: bytes).compactMap(JournalRecord.init(payload:))
            guard !records.isEmpty else {
                if bytes.count > emptied { try FileSystem.truncate(descriptor, path: path, to: emptied) }
                return
            }
            // Opened first: `syncfs` reports the write-back errors that happened since its descriptor was opened.
            let fileSystem = try FileSystem.openFileSystem(of: root)
            defer { close(fileSystem) }
            var documents: [OrderID: (version: Int, json: [UInt8])] = [:]
            var bySegment: [SegmentID: [String]] = [:]
            for record in records {
                switch record {
                case .document(let id, let version, let json):
                    documents[id] = (version, json)
                case .entry(let segment, let name, let added):
                    bySegment[segment, default: []].append(SegmentRecord(name: name, added: added).payload)
                case .hint:
                    break  // The hint file was made before the record was appended; the `syncfs` makes it durable.
                }
            }
            for (id, document) in documents.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                try writeCheckpointed(document.json, version: document.version, of: id)
            }
            for (segment, payloads) in bySegment.sorted(by: { $0.key < $1.key }) {
                try ensureSegment(segment)
                try appendToSegment(segment, payloads: payloads, durably: false, marking: true, startingLine: true)
            }
            try FileSystem.syncFileSystem(fileSystem, path: root)
            try FileSystem.truncate(descriptor, path: path, to: emptied)
        }
    }

    /// Writes a journaled document to its file, unflushed, unless the file holds a greater version of the order (a
    /// process of an earlier release wrote it) or cannot be read: corruption is never overwritten.
    private func writeCheckpointed(_ json: [UInt8], version: Int, of id: OrderID) throws {
        let location = location(of: id)
        if let stored = try FileSystem.read(location.documentPath) {
            guard let storedVersion = try? storedVersion(of: stored, path: location.documentPath),
                storedVersion <= version
            else { return }
        }
        try FileSystem.makeDirectories(location.directory)
        try FileSystem.writeAtomically(
            json, directory: location.directory, name: "\(location.name).json", durable: false)
    }

    /// The `version` of the order in a document file's bytes, read with the shared JSON reader and nothing decoded but
    /// that member.
    func storedVersion(of bytes: [UInt8], path: String) throws -> Int {
        do {
            return try JSONObject(SystemSupport.JSONValue.parse(bytes)).object("order").int("version")
        } catch {
            throw StoreError(.corruptDocument, "read \(path): \(error)")
        }
    }
}

/// Records, one per line, each ending with the CRC-32 of its payload: `<payload>\t<8 hex digits>\n`. A line that does
/// not end, or whose checksum does not match (a write torn by a crash, a damaged disk), is skipped, never misread.
/// Payloads never hold a tab or a newline.
enum FramedRecords {
    static func frame(_ payloads: [String]) -> [UInt8] {
        frame(payloads.map { Array($0.utf8) })
    }

    static func frame(_ payloads: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payloads.reduce(0) { $0 + $1.count + 10 })
        for payload in payloads {
            bytes += payload
            bytes.append(UInt8(ascii: "\t"))
            bytes += hex(crc32(payload[...]))
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// The payloads of the whole, intact records in `bytes`, in order.
    static func payloads(in bytes: [UInt8]) -> [Substring] {
        records(in: bytes).map { Substring(decoding: $0, as: UTF8.self) }
    }

    /// The payloads of the whole, intact records in `bytes`, in order, but those that begin with `skipped` (which are
    /// not checksummed).
    static func records(in bytes: [UInt8], skipping skipped: UInt8? = nil) -> [ArraySlice<UInt8>] {
        var payloads: [ArraySlice<UInt8>] = []
        forEachLine(in: bytes) { line in
            if let skipped, line.first == skipped { return }
            if let payload = intactPayload(of: line) { payloads.append(payload) }
        }
        return payloads
    }

    /// The payload of the last whole, intact record in `bytes` that begins with `prefix`; only the lines that begin
    /// with it are checksummed.
    static func lastPayload(in bytes: [UInt8], startingWith prefix: [UInt8]) -> ArraySlice<UInt8>? {
        var last: ArraySlice<UInt8>?
        forEachLine(in: bytes) { line in
            guard line.starts(with: prefix), let payload = intactPayload(of: line) else { return }
            last = payload
        }
        return last
    }

    /// Calls `body` with each line of `bytes` that ends with a newline, without it.
    private static func forEachLine(in bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        var start = 0
        while let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            body(bytes[start..<end])
            start = end + 1
        }
    }

    /// The payload of a line, if the line is a whole record whose checksum matches.
    private static func intactPayload(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let end = line.endIndex
        guard line.count > 9, line[end - 9] == UInt8(ascii: "\t") else { return nil }
        let payload = line[line.startIndex..<(end - 9)]
        guard line[(end - 8)..<end].elementsEqual(hex(crc32(payload))) else { return nil }
        return payload
    }

    private static func hex(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).map { digits[Int((value >> (28 - 4 * UInt32($0))) & 0xF)] }
    }

    /// CRC-32 (IEEE 802.3), as zlib computes it.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
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
