import Foundation
import OrderDomain
import OrderStore
import SampleOrders
import Testing
import Timestamps

/// Events across orders by delivery state, newest first, on both stores; and what the file store does with entries
/// that are stale, missing or unreadable.
@Suite("Listing events across orders")
struct EventListingTests {
    typealias Store = OrderDocumentStore & EventOutbox & EventListing

    static func makeStore(_ kind: StoreContractTests.Kind) throws -> any Store {
        switch kind {
        case .file: try FileOrderStore(root: TemporaryDirectory.make())
        case .memory: InMemoryOrderStore()
        }
    }

    /// Creates order `id` at `minute` minutes past `Fixtures.time`, so that its `order_added` event sorts by it.
    @discardableResult
    static func create(_ id: String, minute: Int64, in store: any Store) throws -> OrderEvent {
        var document = Fixtures.document(id: id)
        let time = Fixtures.time.adding(milliseconds: minute * 60_000)
        document.order = Order(draft: draft(), id: OrderID(id)!, at: time)
        document.events = [.added(document.order)]
        try store.create(document)
        return document.events[0]
    }

    static func draft() -> OrderDraft {
        SampleOrders.draft(line: OrderLine(sku: "SKU-1", price: 1, quantity: 1))
    }

    /// Records the outcome a deliverer would: a dead letter first for `dead`; for `delivered`, the document alone.
    static func settle(_ event: OrderEvent, as state: EventDelivery.State, in store: any Store) throws {
        if state == .dead {
            try store.storeDeadLetter(
                Array(#"{"event":{"subject":"\#(event.orderID)"},"delivery":{}}"#.utf8), eventID: event.id)
        }
        try store.update(event.orderID) { document in
            document.events[document.events.firstIndex { $0.id == event.id }!].delivery.state = state
        }
    }

    static func ids(_ page: EventPage) -> [String] { page.events.map(\.orderID.rawValue) }

    @Test("each state lists its events newest first, a page at a time", arguments: StoreContractTests.Kind.allCases)
    func newestFirst(kind: StoreContractTests.Kind) throws {
        let store = try Self.makeStore(kind)
        let states: [EventDelivery.State] = [.dead, .delivered, .pending, .dead, .delivered, .dead]
        for (minute, state) in states.enumerated() {
            let event = try Self.create("ORD-\(minute)", minute: Int64(minute), in: store)
            try Self.settle(event, as: state, in: store)
        }

        let first = try store.events(.dead, in: EventWindow(), after: nil, limit: 2)
        #expect(Self.ids(first) == ["ORD-5", "ORD-3"])
        let next = try #require(first.next)
        let second = try store.events(.dead, in: EventWindow(), after: next, limit: 2)
        #expect(Self.ids(second) == ["ORD-0"])
        #expect(second.next == nil)
        #expect(second.events.allSatisfy { $0.delivery.state == .dead })

        #expect(Self.ids(try store.events(.delivered, in: EventWindow(), after: nil, limit: 50)) == ["ORD-4", "ORD-1"])
        #expect(Self.ids(try store.events(.pending, in: EventWindow(), after: nil, limit: 50)) == ["ORD-2"])
    }

    @Test(
        "a window keeps the events that occurred from its start to strictly before its end",
        arguments: StoreContractTests.Kind.allCases)
    func window(kind: StoreContractTests.Kind) throws {
        let store = try Self.makeStore(kind)
        for minute in 0..<4 {
            try Self.settle(try Self.create("ORD-\(minute)", minute: Int64(minute), in: store), as: .dead, in: store)
        }
        let window = EventWindow(
            from: Fixtures.time.adding(milliseconds: 60_000), before: Fixtures.time.adding(milliseconds: 180_000))
        #expect(Self.ids(try store.events(.dead, in: window, after: nil, limit: 50)) == ["ORD-2", "ORD-1"])
        let days = EventWindow(from: Fixtures.time.adding(milliseconds: -86_400_000 * 2), before: Fixtures.time)
        #expect(try store.events(.delivered, in: days, after: nil, limit: 50).events.isEmpty)
    }

    @Test(
        "a redelivered event leaves the dead and delivered listings, and its stale entries go",
        arguments: StoreContractTests.Kind.allCases)
    func redelivered(kind: StoreContractTests.Kind) throws {
        let store = try Self.makeStore(kind)
        let dead = try Self.create("ORD-1", minute: 0, in: store)
        try Self.settle(dead, as: .dead, in: store)
        let delivered = try Self.create("ORD-2", minute: 1, in: store)
        try Self.settle(delivered, as: .delivered, in: store)
        for event in [dead, delivered] {
            try store.update(event.orderID) { document in
                document.events[0].delivery = document.events[0].delivery.redelivered(dueAt: Fixtures.time)
            }
        }
        store.removeDeadLetter(eventID: dead.id, of: dead.orderID)
        #expect(try store.deadLetters().isEmpty)
        #expect(try store.events(.dead, in: EventWindow(), after: nil, limit: 50).events.isEmpty)
        #expect(try store.events(.delivered, in: EventWindow(), after: nil, limit: 50).events.isEmpty)
        #expect(Self.ids(try store.events(.pending, in: EventWindow(), after: nil, limit: 50)) == ["ORD-2", "ORD-1"])
    }

    @Test("a dead letter stays while its event is dead; removing it asks the document first")
    func deadLetterKeptWhileDead() throws {
        let store = try Self.makeStore(.file)
        let event = try Self.create("ORD-1", minute: 0, in: store)
        try Self.settle(event, as: .dead, in: store)
        store.removeDeadLetter(eventID: event.id, of: event.orderID)
        #expect(try store.deadLetters().keys.sorted() == [event.id])
        // While a delivery of the order holds its lock, a stale letter is left for a later listing to clear.
        try store.update(event.orderID) { $0.events[0].delivery.state = .pending }
        _ = try store.withDeliveryLock(event.orderID, waitingAtMost: 0) {
            store.removeDeadLetter(eventID: event.id, of: event.orderID)
        }
        #expect(try store.deadLetters().keys.sorted() == [event.id])
        #expect(try store.events(.dead, in: EventWindow(), after: nil, limit: 50).events.isEmpty)
        #expect(try store.deadLetters().isEmpty, "the listing removed the stale letter")
    }

    @Test("unreadable and missing entries are skipped, named and counted; the walk goes on past them")
    func damagedEntries() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let oldest = try Self.create("ORD-1", minute: 0, in: store)
        try Self.settle(oldest, as: .dead, in: store)
        let newest = try Self.create("ORD-2", minute: 2, in: store)
        try Self.settle(newest, as: .dead, in: store)
        // A letter that does not parse, and one whose order does not exist, between them.
        let middle = Fixtures.time.adding(milliseconds: 60_000)
        let garbled = "evt_" + ULID.generate(at: middle)
        try store.storeDeadLetter(Array("not json".utf8), eventID: garbled)
        let orphan = "evt_" + ULID.generate(at: middle.adding(milliseconds: 1))
        try store.storeDeadLetter(Array(#"{"event":{"subject":"ORD-404"}}"#.utf8), eventID: orphan)

        let first = try store.events(.dead, in: EventWindow(), after: nil, limit: 2)
        #expect(Self.ids(first) == ["ORD-2"])
        #expect(first.skipped.map(\.position.eventID) == [orphan])
        #expect(first.skipped.map(\.reason) == [.missing])
        let second = try store.events(.dead, in: EventWindow(), after: try #require(first.next), limit: 2)
        #expect(second.skipped.map(\.position.eventID) == [garbled])
        #expect(second.skipped.map(\.reason) == [.unreadable])
        #expect(Self.ids(second) == ["ORD-1"])
        #expect(second.next == nil)
        #expect(try store.deadLetters().count == 4, "damaged letters are reported, never removed")
    }

    @Test("an unreadable order with pending events is named at the end of the pending listing")
    func unreadablePendingOrder() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try Self.create("ORD-1", minute: 0, in: store)
        try Self.create("ORD-2", minute: 1, in: store)
        let bucket = try #require(
            FileManager.default.enumerator(atPath: "\(root)/orders")?.compactMap { $0 as? String }
                .first { $0.hasSuffix("/ORD-1.json") })
        try Data("{".utf8).write(to: URL(fileURLWithPath: "\(root)/orders/\(bucket)"))
        let page = try store.events(.pending, in: EventWindow(), after: nil, limit: 50)
        #expect(Self.ids(page) == ["ORD-2"])
        #expect(page.skipped.map(\.orderID) == [OrderID("ORD-1")])
        #expect(page.skipped.map(\.reason) == [.unreadable])
    }

    /// The regular files under `root`, relative to it, sorted.
    static func files(under root: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(root)/\(path)", isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
    }

    /// The report of a reindex that found nothing to repair in a store of `orders` orders.
    static func nothingDone(orders: Int) -> ReindexReport {
        var report = ReindexReport()
        report.orders = orders
        return report
    }

    @Test("a delivery enters its event in the delivered index's segment of its day, not a file of its own")
    func deliveredEntriesInSegments() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        for minute in 0..<3 {
            try Self.settle(
                try Self.create("ORD-\(minute)", minute: Int64(minute), in: store), as: .delivered, in: store)
        }
        let day = String(Fixtures.time.description.prefix(10))
        #expect(Self.files(under: "\(root)/index/delivered") == ["\(day).log"])
        #expect(!FileManager.default.fileExists(atPath: "\(root)/delivered-events"))
        let first = try store.events(.delivered, in: EventWindow(), after: nil, limit: 2)
        #expect(Self.ids(first) == ["ORD-2", "ORD-1"])
        let second = try store.events(.delivered, in: EventWindow(), after: try #require(first.next), limit: 2)
        #expect(Self.ids(second) == ["ORD-0"] && second.next == nil)
        // Checkpointed into the segment, the entries list the same.
        #expect(try store.reindex() == Self.nothingDone(orders: 3))
        #expect(
            Self.ids(try store.events(.delivered, in: EventWindow(), after: nil, limit: 50)) == [
                "ORD-2", "ORD-1", "ORD-0",
            ])
    }

    @Test("events delivered without an entry (before the index existed) are entered by reindex, once")
    func indexFromDocuments() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        let event = try Self.create("ORD-1", minute: 0, in: store)
        try Self.settle(event, as: .delivered, in: store)
        try Self.settle(try Self.create("ORD-2", minute: 1, in: store), as: .dead, in: store)
        try FileManager.default.removeItem(atPath: "\(root)/index/delivered")  // As if never written.
        #expect(try store.events(.delivered, in: EventWindow(), after: nil, limit: 50).events.isEmpty)
        let report = try store.reindex()
        #expect(report.deliveredEventsIndexed == 1, "\(report)")
        #expect(report.entriesAdded == 0 && report.entriesRemoved == 0, "\(report)")
        #expect(try store.reindex() == Self.nothingDone(orders: 2))
        #expect(Self.ids(try store.events(.delivered, in: EventWindow(), after: nil, limit: 50)) == ["ORD-1"])
    }

    /// Turns the delivered index of `root` into the layout of the release before it: an empty file per delivered
    /// event, `delivered-events/<day>/<event id>.<order id>`, and no segment.
    static func asAnEarlierReleaseLeftIt(_ root: String, delivered events: [OrderEvent]) throws {
        try FileManager.default.removeItem(atPath: "\(root)/index/delivered")
        for event in events {
            let directory = "\(root)/delivered-events/\(event.occurredAt.description.prefix(10))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: "\(directory)/\(event.id).\(event.orderID)", contents: nil)
        }
    }

    @Test("the entry files of an earlier release are listed, their stale ones removed, and reindex moves them")
    func earlierReleaseEntryFiles() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        var events: [OrderEvent] = []
        for minute in 0..<4 {
            let event = try Self.create("ORD-\(minute)", minute: Int64(minute) * 720, in: store)  // Two days.
            try Self.settle(event, as: .delivered, in: store)
            events.append(event)
        }
        // Its entry was written, then its process died before the delivery was recorded.
        let undelivered = try Self.create("ORD-4", minute: 3000, in: store)
        try Self.asAnEarlierReleaseLeftIt(root, delivered: events + [undelivered])
        let legacy = "\(root)/delivered-events"
        #expect(Self.files(under: legacy).count == 5)

        let first = try store.events(.delivered, in: EventWindow(), after: nil, limit: 3)
        #expect(Self.ids(first) == ["ORD-3", "ORD-2", "ORD-1"], "ORD-4 is pending")
        #expect(Self.files(under: legacy).count == 4, "the stale entry was removed")
        let second = try store.events(.delivered, in: EventWindow(), after: try #require(first.next), limit: 3)
        #expect(Self.ids(second) == ["ORD-0"] && second.next == nil)

        // A redelivery removes the entry file as it journals the entry removed.
        try store.update(events[2].orderID) { document in
            document.events[0].delivery = document.events[0].delivery.redelivered(dueAt: Fixtures.time)
        }
        #expect(Self.files(under: legacy).count == 3)

        let report = try store.reindex()
        #expect(report.entriesMigrated == 3, "\(report)")
        #expect(report.entriesAdded == 0 && report.entriesRemoved == 0 && report.deliveredEventsIndexed == 0)
        #expect(!FileManager.default.fileExists(atPath: legacy), "the directory is gone")
        #expect(Self.files(under: "\(root)/index/delivered").allSatisfy { $0.hasSuffix(".log") })
        #expect(
            Self.ids(try store.events(.delivered, in: EventWindow(), after: nil, limit: 50)) == [
                "ORD-3", "ORD-1", "ORD-0",
            ])
        #expect(try store.reindex() == Self.nothingDone(orders: 5))
    }

    @Test("an event id tells when the event occurred")
    func positionFromID() throws {
        let event = OrderEvent.added(Order(draft: Self.draft(), id: OrderID("ORD-1")!, at: Fixtures.time))
        #expect(EventListPosition(eventID: event.id) == EventListPosition(of: event))
        #expect(EventListPosition(eventID: "evt_1") == nil)
        #expect(EventListPosition(eventID: "../../etc/passwd") == nil)
    }
}
