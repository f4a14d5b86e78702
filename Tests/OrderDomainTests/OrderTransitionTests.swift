import OrderDomain
import SampleOrders
import SystemSupport
import Testing
import Timestamps

@Suite("Moving an order through the flow")
struct OrderTransitionTests {
    static let created = Timestamp(millisecondsSinceEpoch: 1_795_599_000_000)

    func newOrder() -> Order {
        SampleOrders.order(OrderID("ORD-1")!, at: Self.created)
    }

    @Test("a new order is pending_confirmation at version 1")
    func newOrderState() {
        let order = newOrder()
        #expect(order.status == .pendingConfirmation)
        #expect(order.version == 1)
        #expect(order.entityTag == "\"1\"")
        #expect(order.statusHistory == [StatusChange(status: .pendingConfirmation, enteredAt: Self.created)])
    }

    @Test("each history entry names its actor; entries stored before actors were recorded read as nil")
    func actors() throws {
        var order = newOrder()
        try order.advance(to: .confirmed, at: Self.created.adding(milliseconds: 1000), by: "warehouse-client")
        #expect(order.statusHistory.map(\.actor) == [nil, "warehouse-client"])

        let old = #"{"status":"confirmed","entered_at":"2026-11-25T09:31:00.000Z"}"#
        let entry = try StatusChange(stored: JSONObject(SystemSupport.JSONValue.parse(Array(old.utf8))))
        #expect(entry.actor == nil)
        #expect(entry.status == .confirmed)
        #expect(entry.jsonText == #"{"actor":null,"entered_at":"2026-11-25T09:31:00.000Z","status":"confirmed"}"#)
        let attributed = StatusChange(status: .confirmed, enteredAt: entry.enteredAt, actor: "alice")
        let written = attributed.jsonText
        #expect(try StatusChange(stored: JSONObject(SystemSupport.JSONValue.parse(Array(written.utf8)))) == attributed)
    }

    @Test("each step of the flow adds a version and a history entry")
    func walk() throws {
        var order = newOrder()
        var time = Self.created
        while let next = order.status.next {
            time = time.adding(milliseconds: 1000)
            #expect(try order.advance(to: next, at: time))
        }
        #expect(order.status == .delivered)
        #expect(order.version == 6)
        #expect(order.updatedAt == time)
        #expect(order.statusHistory.map(\.status) == OrderStatus.flow)
    }

    @Test("repeating the current status changes nothing")
    func repeatIsNoOp() throws {
        var order = newOrder()
        let before = order
        #expect(try order.advance(to: .pendingConfirmation, at: Self.created.adding(milliseconds: 5)) == false)
        #expect(order == before)
    }

    @Test(
        "skipping ahead or going back is refused and changes nothing",
        arguments: [
            OrderStatus.sentToWarehouse, .shipped, .inTransit, .delivered,
        ])
    func forbidden(target: OrderStatus) {
        var order = newOrder()
        let before = order
        #expect(throws: OrderError.invalidTransition(order: order.id, from: .pendingConfirmation, to: target)) {
            try order.advance(to: target, at: Self.created)
        }
        #expect(order == before)
    }
}
