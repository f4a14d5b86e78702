import Foundation
import OrderDomain
import OrderStore
import Testing

/// The file store's write-ahead journal: a write is one journal append and one flush; documents, segments and hints
/// reach their files at checkpoints.
@Suite("File store journal")
struct FileStoreJournalTests {
    /// The journals of a data directory that hold more than their mark, by name.
    static func journals(in root: String) throws -> [String: Data] {
        let directory = "\(root)/journal"
        var journals: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let contents = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))
            if contents.count > 1 { journals[name] = contents }
        }
        return journals
    }

    static func documentPath(_ id: String, in root: String) throws -> String {
        for bucket in try FileManager.default.contentsOfDirectory(atPath: "\(root)/orders") {
            let path = "\(root)/orders/\(bucket)/\(id).json"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw CocoaError(.fileNoSuchFile)
    }

    static func delivered(_ document: inout OrderDocument) {
        for index in document.events.indices { document.events[index].delivery.state = .delivered }
    }

    @Test("a document only in the journal reads back: get, order, listings, pending events, updates")
    func journalOnly() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let id = OrderID("J-1")!
        try store.create(ListingContractTests.document("J-1", city: "Lyon", country: "FR"))

        #expect(throws: (any Error).self) { try Self.documentPath("J-1", in: root) }
        #expect(try Self.journals(in: root).count == 1, "one journal holds the whole write")
        #expect(try store.get(id)?.order.version == 1)
        #expect(try store.order(id)?.shippingAddress.city == "Lyon")
        #expect(try ListingContractTests.walk(store, OrderFilter(shippingCity: "lyon"), limit: 5) == ["J-1"])
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 5) == ["J-1"])
        #expect(try store.ordersWithPendingEvents() == [id])
        #expect(throws: OrderError.exists(id)) { try store.create(ListingContractTests.document("J-1")) }

        _ = try store.update(id) { try $0.advance(to: .confirmed, at: Fixtures.time) }
        #expect(try store.get(id)?.order.status == .confirmed)
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 5).isEmpty)
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .confirmed), limit: 5) == ["J-1"])

        // A checkpoint writes the file, the segments, and empties the journal; everything reads the same.
        try store.checkpoint()
        #expect(try Self.journals(in: root).isEmpty)
        let stored = try OrderDocument(
            stored: Array(try Data(contentsOf: URL(fileURLWithPath: try Self.documentPath("J-1", in: root)))),
            defaultCurrency: .euro)
        #expect(stored == (try store.get(id)))
        #expect(stored.order.version == 2)
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .confirmed), limit: 5) == ["J-1"])
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 5).isEmpty)
        #expect(try store.ordersWithPendingEvents() == [id])
    }

    @Test("a torn record at the journal's end, left by a writer that died mid-append, is skipped")
    func tornTail() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let id = OrderID("T-1")!
        try store.create(ListingContractTests.document("T-1"))
        let (name, _) = try #require(try Self.journals(in: root).first)
        let handle = try #require(FileHandle(forWritingAtPath: "\(root)/journal/\(name)"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"d T-1 2 {"events":[],"order":{"id":"T-1""#.utf8))
        try handle.close()

        #expect(try store.get(id)?.order.version == 1)
        _ = try store.update(id) { try $0.advance(to: .confirmed, at: Fixtures.time) }
        #expect(try store.get(id)?.order.status == .confirmed)
        try store.checkpoint()
        #expect(try store.get(id)?.order.status == .confirmed)
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .confirmed), limit: 5) == ["T-1"])
    }

    @Test("a checkpoint that fails leaves everything readable, and the next one completes")
    func failedCheckpoint() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(ListingContractTests.document("C-1"))
        try store.create(ListingContractTests.document("C-2", minutes: 1))
        // A directory where the checkpoint must make the `all` segment: appending to it fails.
        let segment = "\(root)/index/all/2026-11-25.log"
        try FileManager.default.createDirectory(atPath: segment, withIntermediateDirectories: true)
        let journaled = try Self.journals(in: root)

        #expect(throws: StoreError.self) { try store.checkpoint() }
        #expect(try Self.journals(in: root) == journaled, "the journal is left as it was")
        #expect(try store.get(OrderID("C-1")!)?.order.version == 1)
        #expect(
            try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 1) == ["C-1", "C-2"])
        #expect(try store.ordersWithPendingEvents().count == 2)

        try FileManager.default.removeItem(atPath: segment)
        try store.checkpoint()
        #expect(try Self.journals(in: root).isEmpty)
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 1) == ["C-1", "C-2"])
        #expect(
            try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 1) == ["C-1", "C-2"])
        #expect(try store.get(OrderID("C-2")!)?.order.version == 1)
        #expect(try store.reindex().entriesAdded == 0)
    }

    @Test("a file with a greater version than the journal's record, written by an earlier release, wins")
    func newerFile() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let id = OrderID("N-1")!
        var document = ListingContractTests.document("N-1")
        try store.create(document)
        try store.checkpoint()
        _ = try store.update(id) { Self.delivered(&$0) }  // Version 1 again, in the journal.
        let path = try Self.documentPath("N-1", in: root)

        // A process of an earlier release confirms the order, writing the file directly: version 2.
        try document.advance(to: .confirmed, at: Fixtures.time)
        try Data(document.encoded()).write(to: URL(fileURLWithPath: path))
        #expect(try store.get(id)?.order.status == .confirmed)

        // A checkpoint leaves the newer file as it is.
        try store.checkpoint()
        #expect(try store.get(id) == document)
        #expect(
            try OrderDocument(stored: Array(Data(contentsOf: URL(fileURLWithPath: path))), defaultCurrency: .euro)
                == document
        )

        // A record of the same version as the file wins: this release's changes that move no version (deliveries).
        _ = try store.update(id) { Self.delivered(&$0) }
        #expect(try store.get(id)?.hasPendingEvents == false)
        #expect(try store.get(id)?.order.version == 2)
    }

    @Test("a write costs one append to one journal; a journal past its size is checkpointed by the next write")
    func checkpointBySize() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        for index in 0..<200 {
            try store.create(ListingContractTests.document("S-\(index)", minutes: Int64(index)))
        }
        // 200 writes of about 2 KiB over 8 journals of at most 32 KiB: each journal was checkpointed, and holds no
        // more than its size and one write.
        let journals = try Self.journals(in: root)
        #expect(journals.values.allSatisfy { $0.count <= 32 << 10 + 4096 })
        let files = try FileManager.default.subpathsOfDirectory(atPath: "\(root)/orders").filter {
            $0.hasSuffix(".json")
        }
        #expect(files.count >= 50)
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 50).count == 200)
        #expect(try store.reindex().entriesAdded == 0)
    }
}
