import Foundation
import OrderDomain
import OrderStore
import Testing

@Suite("File store on disk")
struct FileOrderStoreTests {
    @Test("documents live at orders/<hash prefix>/<id>.json with a schema_version, once checkpointed")
    func layout() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(Fixtures.document(id: "2"))
        try store.checkpoint()
        let path = "\(root)/orders/d5/2.json"
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(json?["schema_version"] as? Int == OrderDocument.currentSchemaVersion)
        #expect((json?["order"] as? [String: Any])?["id"] as? String == "2")
    }

    @Test("no temp file is left behind and none is read as a document")
    func tempFiles() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let id = OrderID("ORD-1")!
        try store.create(Fixtures.document(id: "ORD-1"))
        _ = try store.update(id) { try $0.order.advance(to: .confirmed, at: Fixtures.time) }
        try store.checkpoint()
        let directory = "\(root)/orders/\(try bucket(of: "ORD-1", in: root))"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["ORD-1.json"], "no lock file: an order's lock is a byte of a shared one")

        // A temp file from a writer that died mid-write is ignored by readers.
        try Data("{\"trunc".utf8).write(to: URL(fileURLWithPath: "\(directory)/.ORD-1.json.999.1.tmp"))
        #expect(try store.get(id)?.order.version == 2)
    }

    @Test("reindex removes temp files of writers that died over an hour ago, and only those")
    func abandonedTempFiles() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(Fixtures.document(id: "ORD-1"))
        try store.checkpoint()
        let orders = "\(root)/orders/\(try bucket(of: "ORD-1", in: root))"
        try FileManager.default.createDirectory(atPath: "\(root)/idempotency/ab", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/dead-letters", withIntermediateDirectories: true)
        let abandoned = [
            "\(orders)/.ORD-1.json.999.1.tmp", "\(root)/idempotency/ab/.abcd.json.999.2.tmp",
            "\(root)/dead-letters/.evt_1.json.999.3.tmp",
        ]
        let recent = "\(orders)/.ORD-1.json.998.4.tmp"
        let twoHoursAgo = Date(timeIntervalSinceNow: -7200)
        for path in abandoned + [recent] {
            _ = FileManager.default.createFile(atPath: path, contents: Data("{\"trunc".utf8))
        }
        for path in abandoned {
            try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: path)
        }

        let report = try store.reindex()

        #expect(report.temporaryFilesRemoved == 3)
        #expect(abandoned.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(FileManager.default.fileExists(atPath: recent), "a write may still be holding a recent temp file")
        #expect(try store.get(OrderID("ORD-1")!)?.order.version == 1)
    }

    @Test("an outbox hint without a document, left by a create that died before its commit, is cleared")
    func hintWithoutDocument() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let ghost = OrderID("GHOST-1")!
        // What a create leaves when it dies (or fails) after writing its hint and before its document.
        try FileManager.default.createDirectory(atPath: "\(root)/outbox", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(root)/outbox/GHOST-1", contents: nil)
        #expect(try store.ordersWithPendingEvents() == [ghost])

        #expect(throws: OrderError.notFound(ghost)) { try store.update(ghost) { _ in } }
        #expect(try store.ordersWithPendingEvents() == [])

        // The same with the lock file and directory the create made before its hint.
        let other = OrderID("GHOST-2")!
        try store.create(Fixtures.document(id: "GHOST-2"))
        try store.checkpoint()
        try FileManager.default.removeItem(atPath: "\(root)/orders/\(try bucket(of: "GHOST-2", in: root))/GHOST-2.json")
        #expect(try store.ordersWithPendingEvents() == [other])
        #expect(throws: OrderError.notFound(other)) { try store.update(other) { _ in } }
        #expect(try store.ordersWithPendingEvents() == [])
    }

    @Test("a corrupt document is an error naming the file, and is never overwritten")
    func corruptDocument() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let id = OrderID("ORD-1")!
        try store.create(Fixtures.document(id: "ORD-1"))
        try store.checkpoint()
        let path = "\(root)/orders/\(try bucket(of: "ORD-1", in: root))/ORD-1.json"
        let garbage = Data("{\"schema_version\":1,\"order\":{\"id\":".utf8)
        try garbage.write(to: URL(fileURLWithPath: path))

        let readError = #expect(throws: StoreError.self) { try store.get(id) }
        #expect(readError?.code == .corruptDocument)
        #expect(readError?.operation.contains(path) == true)
        let orderError = #expect(throws: StoreError.self) { try store.order(id) }
        #expect(orderError?.code == .corruptDocument)
        #expect(throws: StoreError.self) { try store.update(id) { _ in } }
        #expect(throws: OrderError.exists(id)) { try store.create(Fixtures.document(id: "ORD-1")) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("a document from a newer schema is refused, not misread")
    func newerSchema() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(Fixtures.document(id: "ORD-1"))
        try store.checkpoint()
        let path = "\(root)/orders/\(try bucket(of: "ORD-1", in: root))/ORD-1.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(
                of: "\"schema_version\":\(OrderDocument.currentSchemaVersion)", with: "\"schema_version\":99")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let error = #expect(throws: StoreError.self) { try store.get(OrderID("ORD-1")!) }
        #expect(error?.code == .unsupportedSchema)
        let orderError = #expect(throws: StoreError.self) { try store.order(OrderID("ORD-1")!) }
        #expect(orderError?.code == .unsupportedSchema)
    }

    @Test("a document written before actors were recorded reads, updates, and keeps its old entries unattributed")
    func documentWithoutActors() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(Fixtures.document(id: "ORD-1"))
        try store.checkpoint()
        let path = "\(root)/orders/\(try bucket(of: "ORD-1", in: root))/ORD-1.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(#""actor":null"#))
        // As the service wrote it before: no `actor` key at all.
        let old = text.replacingOccurrences(of: #""actor":null,"#, with: "")
            .replacingOccurrences(of: #","actor":null"#, with: "")
        #expect(!old.contains("actor"))
        try old.write(toFile: path, atomically: false, encoding: .utf8)

        let id = OrderID("ORD-1")!
        #expect(try store.order(id)?.statusHistory.map(\.actor) == [nil])
        _ = try store.update(id) { try $0.advance(to: .confirmed, at: Fixtures.time, by: "alice") }
        #expect(try store.get(id)?.order.statusHistory.map(\.actor) == [nil, "alice"])
    }

    @Test("an update that changes nothing does not rewrite the document")
    func noOpUpdate() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(Fixtures.document(id: "ORD-1"))
        try store.checkpoint()
        let path = "\(root)/orders/\(try bucket(of: "ORD-1", in: root))/ORD-1.json"
        let inode = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        _ = try store.update(OrderID("ORD-1")!) { try $0.order.advance(to: .pendingConfirmation, at: Fixtures.time) }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == inode)
    }

    @Test("two stores on one directory, as two processes would have, share locks")
    func sharedDirectory() async throws {
        let root = try TemporaryDirectory.make()
        let id = OrderID("ORD-1")!
        try FileOrderStore(root: root).create(Fixtures.document(id: "ORD-1"))
        let changes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                let store = try FileOrderStore(root: root)
                group.addTask {
                    var taken = 0
                    while let changed = try store.update(
                        id,
                        { document -> Bool? in
                            guard let next = document.order.status.next else { return nil }
                            return try document.order.advance(to: next, at: Fixtures.time)
                        })
                    {
                        if changed { taken += 1 }
                    }
                    return taken
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(changes == 5)
    }

    private func bucket(of id: String, in root: String) throws -> String {
        try FileManager.default.contentsOfDirectory(atPath: "\(root)/orders").first {
            FileManager.default.fileExists(atPath: "\(root)/orders/\($0)/\(id).json")
        } ?? ""
    }
}
