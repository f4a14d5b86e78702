import Foundation
import OrderDomain
import OrderStore
import Synchronization
import Testing
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// What the file store does with a data directory someone has tampered with, or that it may not read: corrupt or
/// misplaced documents, planted symbolic links, a file where a directory should be. And the lock files it removes.
@Suite("File store against damage and tampering")
struct FileStoreHardeningTests {
    let root: String
    let store: FileOrderStore

    init() throws {
        root = try TemporaryDirectory.make()
        store = try FileOrderStore(root: root)
    }

    func documentPath(_ id: String) -> String {
        "\(root)/orders/\(bucket(id))/\(id).json"
    }

    func bucket(_ id: String) -> String {
        // The same FNV-1a hash as the store's: two hex digits.
        var hash: UInt32 = 2_166_136_261
        for byte in id.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return String(format: "%02x", hash & 0xFF)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// A document edited to hold order `claimed`, left where order `id` lives.
    func plantDocument(claiming claimed: String, at id: String) throws -> Data {
        try store.create(Fixtures.document(id: id))
        try store.checkpoint()
        let path = documentPath(id)
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"id\":\"\(id)\"", with: "\"id\":\"\(claimed)\"")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return Data(text.utf8)
    }

    // MARK: - A document that holds another order

    @Test("a document whose id is not the one its path names is corrupt: refused by reads and updates, never rewritten")
    func documentWithAnotherID() throws {
        let planted = try plantDocument(claiming: "a1", at: "e2")
        let id = OrderID("e2")!

        let readError = #expect(throws: StoreError.self) { try store.get(id) }
        #expect(readError?.code == .corruptDocument)
        #expect(readError?.operation.contains(documentPath("e2")) == true)
        #expect(readError?.operation.contains("'a1'") == true)
        #expect((#expect(throws: StoreError.self) { try store.order(id) })?.code == .corruptDocument)
        #expect(throws: StoreError.self) {
            try store.update(id) { try $0.advance(to: .confirmed, at: Fixtures.time) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: documentPath("e2"))) == planted)
        #expect(try store.reindex().unreadableOrders == ["e2"])
    }

    // MARK: - Symbolic links

    @Test("a symbolic link at an order's lock file is never followed: the write fails and nothing is made elsewhere")
    func linkAtLockFile() throws {
        let outside = try TemporaryDirectory.make()
        let directory = "\(root)/orders/\(bucket("SYM-1"))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: "\(directory)/SYM-1.lock", withDestinationPath: "\(outside)/planted")

        let error = #expect(throws: StoreError.self) { try store.create(Fixtures.document(id: "SYM-1")) }
        #expect(error?.description.contains("symbolic link") == true)
        #expect(!exists("\(outside)/planted"))
        #expect(try store.get(OrderID("SYM-1")!) == nil)
    }

    @Test("a symbolic link at an outbox hint is never followed")
    func linkAtOutboxHint() throws {
        let outside = try TemporaryDirectory.make()
        try FileManager.default.createDirectory(atPath: "\(root)/outbox", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: "\(root)/outbox/SYM-2", withDestinationPath: "\(outside)/planted")

        #expect(throws: StoreError.self) { try store.create(Fixtures.document(id: "SYM-2")) }
        #expect(!exists("\(outside)/planted"))
    }

    @Test("an index key directory that is a symbolic link is refused, and reindex removes the link")
    func linkedIndexDirectory() throws {
        let outside = try TemporaryDirectory.make()
        try FileManager.default.createDirectory(atPath: "\(root)/index", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(root)/index/all", withDestinationPath: outside)

        // The write is committed to the journal; the checkpoint that would write its entries refuses the link.
        try store.create(Fixtures.document(id: "SYM-3"))
        let error = #expect(throws: StoreError.self) { try store.checkpoint() }
        #expect(error?.description.contains("symbolic link") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(throws: StoreError.self) { try store.list(OrderFilter(), after: nil, limit: 10) }

        _ = try store.reindex()
        #expect(FileManager.default.fileExists(atPath: "\(root)/index/all/2026-11-25.log"), "a directory again")
        try store.create(Fixtures.document(id: "SYM-4"))
        #expect(
            try store.list(OrderFilter(), after: nil, limit: 10).documents.map(\.order.id.rawValue) == [
                "SYM-3", "SYM-4",
            ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test("a bucket that is a symbolic link to another data directory's bucket is refused, not read through")
    func linkedBucket() throws {
        let other = try FileOrderStore(root: try TemporaryDirectory.make())
        try other.create(Fixtures.document(id: "SYM-5"))
        try other.checkpoint()
        try FileManager.default.createSymbolicLink(
            atPath: "\(root)/orders/\(bucket("SYM-5"))", withDestinationPath: "\(other.root)/orders/\(bucket("SYM-5"))")

        let error = #expect(throws: StoreError.self) { try store.get(OrderID("SYM-5")!) }
        #expect(error?.description.contains("symbolic link") == true)
        #expect(throws: StoreError.self) { try store.update(OrderID("SYM-5")!) { _ in } }
    }

    @Test("the data directory itself may be reached through a symbolic link")
    func linkedRoot() throws {
        let link = "\(try TemporaryDirectory.make())/data"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: root)
        let linked = try FileOrderStore(root: link)
        try linked.create(Fixtures.document(id: "SYM-6"))
        #expect(try store.get(OrderID("SYM-6")!)?.order.id.rawValue == "SYM-6")
    }

    // MARK: - Errors that are not "absent"

    @Test("a file in place of a bucket is an error for an update, as for a read: never order_not_found")
    func fileInPlaceOfBucket() throws {
        try store.create(Fixtures.document(id: "ORD-1"))
        try store.checkpoint()
        let directory = "\(root)/orders/\(bucket("ORD-1"))"
        try FileManager.default.removeItem(atPath: directory)
        _ = FileManager.default.createFile(atPath: directory, contents: Data("not a directory".utf8))

        #expect(throws: StoreError.self) { try store.get(OrderID("ORD-1")!) }
        let error = #expect(throws: (any Error).self) { try store.update(OrderID("ORD-1")!) { _ in } }
        #expect(error is StoreError, "\(String(describing: error))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory)) == Data("not a directory".utf8))
    }

    // MARK: - Idempotency lock files

    func idempotencyRecord(createdAt: Timestamp) -> IdempotencyRecord {
        IdempotencyRecord(
            fingerprint: "f", orderID: OrderID("ORD-1")!, state: .completed, createdAt: createdAt, leaseExpiresAt: nil,
            owner: "o", response: .init(statusCode: 201, headers: [:], body: "{}"))
    }

    @Test("an idempotency key has no lock file, and forgetting records removes the lock files of earlier releases")
    func idempotencyLockFilesRemoved() throws {
        let key = IdempotencyKeyDigest(hex: String(repeating: "ab", count: 32))!
        try store.updateIdempotencyRecord(key) { $0 = idempotencyRecord(createdAt: Fixtures.time) }
        let directory = "\(root)/idempotency/ab"
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["\(key.hex).json"])
        // Lock files an earlier release left: beside the record, and alone after forgetting its record.
        _ = FileManager.default.createFile(atPath: "\(directory)/\(key.hex).lock", contents: nil)
        let orphan = "\(directory)/ab\(String(repeating: "cd", count: 31)).lock"
        _ = FileManager.default.createFile(atPath: orphan, contents: nil)

        let later = Timestamp(millisecondsSinceEpoch: Fixtures.time.millisecondsSinceEpoch + 1)
        #expect(try store.forgetIdempotencyRecords(createdBefore: later, now: later) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    /// What the lockers of ``lockRemovalKeepsExclusion()`` share.
    final class LockProbe: Sendable {
        let inside = Mutex(0)
        let overlaps = Mutex(0)
        let stop = Mutex(false)
    }

    @Test("removing lock files while others wait on them never lets two holders in at once")
    func lockRemovalKeepsExclusion() async throws {
        let key = IdempotencyKeyDigest(hex: String(repeating: "cd", count: 32))!
        let probe = LockProbe()
        let store = self.store
        let legacyLockFile = "\(root)/idempotency/cd/\(key.hex).lock"
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Each update finds the lock file of an earlier release (made again each time, as a process of that
            // release would) and removes it as it finishes, while others wait on it.
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<300 {
                        try store.updateIdempotencyRecord(key) { _ in
                            _ = FileManager.default.createFile(atPath: legacyLockFile, contents: nil)
                            if probe.inside.withLock({
                                $0 += 1; return $0
                            }) > 1 {
                                probe.overlaps.withLock { $0 += 1 }
                            }
                            usleep(50)
                            probe.inside.withLock { $0 -= 1 }
                        }
                    }
                }
            }
            // And a sweeper removes it as often as it can.
            group.addTask {
                while !probe.stop.withLock({ $0 }) {
                    _ = try store.forgetIdempotencyRecords(createdBefore: Fixtures.time, now: Fixtures.time)
                }
            }
            for _ in 0..<4 { try await group.next() }
            probe.stop.withLock { $0 = true }
            try await group.waitForAll()
        }
        #expect(probe.overlaps.withLock { $0 } == 0)
    }
}
