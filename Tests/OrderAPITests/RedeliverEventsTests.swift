import Foundation
import FunctionRuntime
import OrderAPI
import OrderCommands
import OrderDomain
import OrderStore
import SampleOrders
import Testing
import Timestamps

/// `POST /events/redeliver` in process, on a file store whose dead letters the test lays down as a delivery would.
@Suite("Redelivering dead events in bulk")
struct RedeliverEventsTests {
    let store: FileOrderStore
    let context: OrderServiceContext<FileOrderStore>
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_599_000_000)

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)").path
        store = try FileOrderStore(root: root)
        context = OrderServiceContext(store: store, now: { Self.start.adding(milliseconds: 3_600_000) })
    }

    /// An order created `minute` minutes after the start whose one event is dead, with its letter.
    func deadOrder(_ id: String, minute: Int64) throws {
        var document = OrderDocument(
            newOrder: SampleOrders.order(OrderID(id)!, at: Self.start.adding(milliseconds: minute * 60_000)))
        document.events[0].delivery.state = .dead
        try store.storeDeadLetter(Array(#"{"event":{"subject":"\#(id)"}}"#.utf8), eventID: document.events[0].id)
        try store.create(document)
    }

    func redeliver(_ body: String, maximum: Int) throws -> [String: Any] {
        let response = RedeliverEvents(context: context, maximumPerRequest: maximum).respond(
            to: FunctionRequest(method: "POST", path: "/events/redeliver", body: Array(body.utf8)))
        #expect(response.statusCode == 202, "\(response.body)")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
    }

    func states() throws -> [String: EventDelivery.State] {
        var states: [String: EventDelivery.State] = [:]
        for id in ["ORD-1", "ORD-2", "ORD-3"] {
            states[id] = try #require(try store.get(OrderID(id)!)).events[0].delivery.state
        }
        return states
    }

    @Test("a damaged letter takes no redelivery's place; a request stops at its maximum and says there are more")
    func pagesPastDamage() throws {
        for (minute, id) in ["ORD-1", "ORD-2", "ORD-3"].enumerated() {
            try deadOrder(id, minute: Int64(minute))
        }
        // The newest letter of all does not parse.
        try store.storeDeadLetter(
            Array("{".utf8), eventID: "evt_" + ULID.generate(at: Self.start.adding(milliseconds: 600_000)))

        let first = try redeliver(#"{"state": "dead"}"#, maximum: 2)
        #expect(first["redelivered"] as? Int == 2)
        #expect(first["more"] as? Bool == true)
        #expect((first["skipped_events"] as? [[String: Any]])?.map { $0["reason"] as? String } == ["unreadable"])
        #expect(try states() == ["ORD-1": .dead, "ORD-2": .pending, "ORD-3": .pending], "newest first")

        let second = try redeliver(#"{"state": "dead"}"#, maximum: 2)
        #expect(second["redelivered"] as? Int == 1)
        #expect(second["more"] as? Bool == false)
        #expect(try states().values.allSatisfy { $0 == .pending })
        #expect(try store.deadLetters().count == 1, "only the damaged letter is left")
    }

    @Test("only the dead events that occurred in the window, from its start to strictly before its end")
    func window() throws {
        for (minute, id) in ["ORD-1", "ORD-2", "ORD-3"].enumerated() {
            try deadOrder(id, minute: Int64(minute))
        }
        let answer = try redeliver(
            #"{"state": "dead", "from": "2026-11-25T09:31:00Z", "to": "2026-11-25T09:32:00Z", "note": "ignored"}"#,
            maximum: 500)
        #expect(answer["redelivered"] as? Int == 1)
        #expect(try states() == ["ORD-1": .dead, "ORD-2": .pending, "ORD-3": .dead])
    }
}
