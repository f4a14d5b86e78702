import Foundation
import OrderDomain
import OrderStore
import SampleOrders
import Testing
import Timestamps

/// The listing and idempotency-record rules both stores follow.
@Suite("Store contract: listings and idempotency records")
struct ListingContractTests {
    typealias Kind = StoreContractTests.Kind

    static let day: Int64 = 86_400_000

    /// An order created `minutes` after the fixtures' time, shipped to `city`.
    static func document(
        _ id: String, city: String = "Madrid", country: String = "ES", minutes: Int64 = 0
    ) -> OrderDocument {
        OrderDocument(
            newOrder: SampleOrders.order(
                OrderID(id)!, at: Fixtures.time.adding(milliseconds: minutes * 60_000),
                line: OrderLine(sku: "SKU-1", price: 10, quantity: 1), city: city, country: country))
    }

    static func ids(_ page: OrderPage) -> [String] {
        page.documents.map(\.order.id.rawValue)
    }

    /// Every page of a listing, followed to its end.
    static func walk(_ store: any OrderListing, _ filter: OrderFilter, limit: Int) throws -> [String] {
        var all: [String] = []
        var position: OrderListPosition?
        repeat {
            let page = try store.list(filter, after: position, limit: limit)
            all += ids(page)
            position = page.next
        } while position != nil
        return all
    }

    @Test("filters by status, city and country (case-insensitively) and creation time", arguments: Kind.allCases)
    func filters(kind: Kind) throws {
        let store = try StoreContractTests.makeStore(kind)
        try store.create(Self.document("A", city: "Madrid", country: "ES", minutes: 0))
        try store.create(Self.document("B", city: "Paris", country: "FR", minutes: 1))
        try store.create(Self.document("C", city: "MADRID", country: "es", minutes: 2 * 24 * 60))
        try store.create(Self.document("D", city: "São Paulo", country: "BR", minutes: 400 * 24 * 60))
        _ = try store.update(OrderID("B")!) { try $0.advance(to: .confirmed, at: Fixtures.time) }

        #expect(try Self.ids(store.list(OrderFilter(), after: nil, limit: 50)) == ["A", "B", "C", "D"])
        #expect(try Self.ids(store.list(OrderFilter(status: .confirmed), after: nil, limit: 50)) == ["B"])
        #expect(
            try Self.ids(store.list(OrderFilter(status: .pendingConfirmation), after: nil, limit: 50)) == [
                "A", "C", "D",
            ])
        #expect(try Self.ids(store.list(OrderFilter(shippingCity: "madrid"), after: nil, limit: 50)) == ["A", "C"])
        #expect(try Self.ids(store.list(OrderFilter(shippingCity: "SÃO PAULO"), after: nil, limit: 50)) == ["D"])
        #expect(try Self.ids(store.list(OrderFilter(shippingCountry: "Es"), after: nil, limit: 50)) == ["A", "C"])
        #expect(
            try Self.ids(store.list(OrderFilter(status: .confirmed, shippingCountry: "ES"), after: nil, limit: 50))
                == [])
        let from = Fixtures.time.adding(milliseconds: 60_000)
        let before = Fixtures.time.adding(milliseconds: 3 * Self.day)
        #expect(try Self.ids(store.list(OrderFilter(createdFrom: from), after: nil, limit: 50)) == ["B", "C", "D"])
        #expect(
            try Self.ids(store.list(OrderFilter(createdFrom: from, createdBefore: before), after: nil, limit: 50)) == [
                "B", "C",
            ])
        #expect(
            try Self.ids(store.list(OrderFilter(shippingCity: "Madrid", createdBefore: before), after: nil, limit: 50))
                == ["A", "C"])
    }

    @Test("orders come by creation time, then id, a page at a time", arguments: Kind.allCases)
    func pages(kind: Kind) throws {
        let store = try StoreContractTests.makeStore(kind)
        // Same creation time for some, so that the id decides; created out of order.
        for (id, minutes) in [("E", 5), ("B", 0), ("A", 0), ("D", 3 * 24 * 60), ("C", 0), ("F", 40 * 24 * 60)] {
            try store.create(Self.document(id, minutes: Int64(minutes)))
        }
        let first = try store.list(OrderFilter(), after: nil, limit: 2)
        #expect(Self.ids(first) == ["A", "B"])
        #expect(first.next == OrderListPosition(of: first.documents[1].order))
        #expect(try Self.walk(store, OrderFilter(), limit: 2) == ["A", "B", "C", "E", "D", "F"])
        #expect(try Self.walk(store, OrderFilter(), limit: 1) == ["A", "B", "C", "E", "D", "F"])
        let exact = try store.list(OrderFilter(), after: nil, limit: 6)
        #expect(exact.documents.count == 6)
        #expect(exact.next == nil)
    }

    @Test("orders created and updated between pages never make the walk skip or repeat one", arguments: Kind.allCases)
    func concurrentWalk(kind: Kind) async throws {
        let store = try StoreContractTests.makeStore(kind)
        var original: [String] = []
        for index in 0..<60 {
            let id = String(format: "O-%03d", index)
            try store.create(Self.document(id, minutes: Int64(index * 97 % 3000)))
            original.append(id)
        }
        let filter = OrderFilter(shippingCity: "madrid")

        // A writer creates orders at every point of the listing's range, earlier and later, and moves the status of
        // existing ones, while the walk goes on.
        let writer = Task {
            for index in 0..<120 {
                try store.create(Self.document("N-\(index)", minutes: Int64((index * 53) % 4000) - 200))
                if index % 3 == 0 {
                    _ = try store.update(OrderID(String(format: "O-%03d", index % 60))!) { document in
                        if let next = document.order.status.next { try document.advance(to: next, at: Fixtures.time) }
                    }
                }
                await Task.yield()
            }
        }
        var seen: [String] = []
        var position: OrderListPosition?
        var previous: OrderListPosition?
        repeat {
            let page = try store.list(filter, after: position, limit: 7)
            for document in page.documents {
                let here = OrderListPosition(of: document.order)
                if let previous { #expect(previous < here, "out of order") }
                previous = here
            }
            seen += Self.ids(page)
            position = page.next
            await Task.yield()
        } while position != nil
        try await writer.value

        #expect(Set(seen).count == seen.count, "an order was listed twice")
        #expect(Set(original).isSubset(of: Set(seen)), "missing: \(Set(original).subtracting(seen).sorted())")
    }

    @Test("idempotency records: absent, stored, changed and removed under the key", arguments: Kind.allCases)
    func idempotencyRecords(kind: Kind) throws {
        let store = try StoreContractTests.makeStore(kind)
        let key = IdempotencyKeyDigest(hex: String(repeating: "ab", count: 32))!
        let other = IdempotencyKeyDigest(hex: String(repeating: "cd", count: 32))!
        let record = IdempotencyRecord(
            fingerprint: "f", orderID: OrderID("A")!, state: .inProgress, createdAt: Fixtures.time,
            leaseExpiresAt: Fixtures.time.adding(milliseconds: 60_000), owner: "one")

        #expect(try store.updateIdempotencyRecord(key) { $0 } == nil)
        try store.updateIdempotencyRecord(key) { $0 = record }
        #expect(try store.updateIdempotencyRecord(key) { $0 } == record)
        #expect(try store.updateIdempotencyRecord(other) { $0 } == nil)

        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try store.updateIdempotencyRecord(key) { current in
                current?.owner = "two"
                throw Refused()
            }
        }
        #expect(try store.updateIdempotencyRecord(key) { $0?.owner } == "one")

        // Forgetting spares what is recent, and what is old but still leased.
        let later = Fixtures.time.adding(milliseconds: Self.day)
        #expect(try store.forgetIdempotencyRecords(createdBefore: Fixtures.time, now: later) == 0)
        #expect(try store.forgetIdempotencyRecords(createdBefore: later, now: Fixtures.time) == 0)
        #expect(try store.forgetIdempotencyRecords(createdBefore: later, now: later) == 1)
        #expect(try store.updateIdempotencyRecord(key) { $0 } == nil)
    }

    @Test("an order created with a key keeps the key's digest", arguments: Kind.allCases)
    func documentKey(kind: Kind) throws {
        let store = try StoreContractTests.makeStore(kind)
        let key = IdempotencyKeyDigest(hex: String(repeating: "0f", count: 32))!
        var document = Self.document("A")
        document.idempotencyKey = key
        try store.create(document)
        #expect(try store.get(OrderID("A")!)?.idempotencyKey == key)
    }
}
