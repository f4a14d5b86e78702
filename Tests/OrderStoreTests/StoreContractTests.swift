import Foundation
import OrderDomain
import OrderStore
import SampleOrders
import Testing
import Timestamps

/// The rules every store follows in each role both stores have, checked on the file store and the in-memory store
/// alike.
@Suite("Store contract")
struct StoreContractTests {
    enum Kind: String, CaseIterable, Sendable {
        case file, memory
    }

    /// The roles that both stores have.
    typealias Store = OrderDocumentStore & EventOutbox & OrderListing & IdempotencyRecordStore

    static func makeStore(_ kind: Kind) throws -> any Store {
        switch kind {
        case .file: try FileOrderStore(root: TemporaryDirectory.make())
        case .memory: InMemoryOrderStore()
        }
    }

    @Test("a created order reads back equal, as a document and as the order alone", arguments: Kind.allCases)
    func createAndGet(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        var document = Fixtures.document(id: "ORD-1")
        try document.advance(to: .confirmed, at: Fixtures.time)
        try store.create(document)
        #expect(try store.get(document.order.id) == document)
        #expect(try store.order(document.order.id) == document.order)
        #expect(try store.get(OrderID("ORD-2")!) == nil)
        #expect(try store.order(OrderID("ORD-2")!) == nil)
    }

    @Test("creating an id that exists is order_exists and keeps the first order", arguments: Kind.allCases)
    func createTwice(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let first = Fixtures.document(id: "ORD-1", sku: "FIRST")
        try store.create(first)
        #expect(throws: OrderError.exists(first.order.id)) {
            try store.create(Fixtures.document(id: "ORD-1", sku: "SECOND"))
        }
        #expect(try store.get(first.order.id) == first)
    }

    @Test("update stores the change and returns the closure's result", arguments: Kind.allCases)
    func update(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let document = Fixtures.document(id: "ORD-1")
        try store.create(document)
        let changed = try store.update(document.order.id) { try $0.order.advance(to: .confirmed, at: Fixtures.time) }
        #expect(changed)
        #expect(try store.get(document.order.id)?.order.version == 2)
    }

    @Test("an update that throws writes nothing", arguments: Kind.allCases)
    func failedUpdate(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let document = Fixtures.document(id: "ORD-1")
        try store.create(document)
        #expect(throws: OrderError.self) {
            try store.update(document.order.id) { try $0.order.advance(to: .shipped, at: Fixtures.time) }
        }
        #expect(try store.get(document.order.id) == document)
    }

    @Test("updating an unknown order is order_not_found", arguments: Kind.allCases)
    func updateMissing(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let id = OrderID("nope")!
        #expect(throws: OrderError.notFound(id)) { try store.update(id) { _ in } }
        #expect(try store.get(id) == nil)
    }

    @Test("concurrent read-modify-write never loses an update", arguments: Kind.allCases)
    func concurrentUpdates(kind: Kind) async throws {
        let store = try Self.makeStore(kind)
        let id = OrderID("ORD-1")!
        try store.create(Fixtures.document(id: "ORD-1"))

        // Every worker keeps advancing the order to its next status. Under a correct lock each of the five
        // steps is taken by exactly one worker; a lost update would let two workers take the same step.
        let changes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var taken = 0
                    while true {
                        let changed = try store.update(id) { document -> Bool? in
                            guard let next = document.order.status.next else { return nil }
                            return try document.order.advance(to: next, at: Fixtures.time)
                        }
                        guard let changed else { return taken }
                        if changed { taken += 1 }
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(changes == 5)
        let order = try #require(try store.get(id)).order
        #expect(order.version == 6)
        #expect(order.statusHistory.map(\.status) == OrderStatus.flow)
    }

    @Test("the outbox names orders with pending events until they are delivered", arguments: Kind.allCases)
    func outboxHints(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let id = OrderID("ORD-1")!
        try store.create(Fixtures.document(id: "ORD-1"))
        #expect(try store.ordersWithPendingEvents() == [id])
        try store.update(id) { document in
            for index in document.events.indices { document.events[index].delivery.state = .delivered }
        }
        #expect(try store.ordersWithPendingEvents() == [])
    }

    @Test("an order's delivery lock is held by one delivery at a time", arguments: Kind.allCases)
    func deliveryLock(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        let id = OrderID("ORD-1")!
        let inner = try store.withDeliveryLock(id, waitingAtMost: 0) {
            let same = try store.withDeliveryLock(id, waitingAtMost: 10) { "ran" }
            let other = try store.withDeliveryLock(OrderID("ORD-2")!, waitingAtMost: 0) { "ran" }
            return [same, other]
        }
        #expect(inner == [nil, "ran"])
        #expect(try store.withDeliveryLock(id, waitingAtMost: 0) { "ran" } == "ran", "released after the body")
    }

    @Test("dead letters are kept under their event id", arguments: Kind.allCases)
    func deadLetters(kind: Kind) throws {
        let store = try Self.makeStore(kind)
        #expect(try store.deadLetters().isEmpty)
        try store.storeDeadLetter(Array("first".utf8), eventID: "evt_1")
        try store.storeDeadLetter(Array("second".utf8), eventID: "evt_2")
        try store.storeDeadLetter(Array("again".utf8), eventID: "evt_1")
        #expect(try store.deadLetters() == ["evt_1": Array("again".utf8), "evt_2": Array("second".utf8)])
    }
}

enum Fixtures {
    static let time = SampleOrders.time

    static func document(id: String, sku: String = "SKU-1") -> OrderDocument {
        OrderDocument(
            newOrder: SampleOrders.order(
                OrderID(id)!, at: time, line: OrderLine(sku: sku, price: Decimal(string: "19.99")!, quantity: 2)))
    }
}

enum TemporaryDirectory {
    static func make() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("order-store-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
