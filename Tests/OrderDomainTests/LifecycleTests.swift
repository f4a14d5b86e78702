import FoundationEssentials
import OrderDomain
import SampleOrders
import Testing
import Timestamps

@Suite("Currencies, shipments and cancellation")
struct LifecycleTests {
    static let created = Timestamp(millisecondsSinceEpoch: 1_795_599_000_000)

    func newOrder(_ currency: Currency = .euro) -> Order {
        SampleOrders.order(
            OrderID("ORD-1")!, at: Self.created, currency: currency,
            line: OrderLine(sku: "SKU-1", price: 10, quantity: 1))
    }

    @Test("the currency table knows each currency's minor units, and only ISO 4217's codes")
    func currencies() {
        #expect(Currency(code: "JPY")?.minorUnits == 0)
        #expect(Currency(code: "EUR")?.minorUnits == 2)
        #expect(Currency(code: "KWD")?.minorUnits == 3)
        #expect(Currency(code: "CLF")?.minorUnits == 4)
        #expect(Currency(code: "AED")?.minorUnits == 2)  // The table's first line and its last, which has no line end.
        #expect(Currency(code: "ZWG")?.minorUnits == 2)
        #expect(Currency(code: "eur") == nil)
        #expect(Currency(code: "XXX") == nil)  // No minor units: no price can be written in it.
        #expect(Currency(code: "HRK") == nil)  // Withdrawn.
        #expect(!Currency.edition.isEmpty)
    }

    @Test("a cancellation is allowed before shipping, final, and a no-op when repeated")
    func cancellation() throws {
        var order = newOrder()
        try order.advance(to: .confirmed, at: Self.created.adding(milliseconds: 1))
        #expect(try order.cancel(.outOfStock, note: "gone", at: Self.created.adding(milliseconds: 2)))
        #expect(order.status == .cancelled && order.version == 3)
        #expect(
            order.cancellation
                == Cancellation(reason: .outOfStock, note: "gone", cancelledAt: Self.created.adding(milliseconds: 2)))
        #expect(try !order.cancel(.other, note: nil, at: Self.created.adding(milliseconds: 3)))
        #expect(order.cancellation?.reason == .outOfStock && order.version == 3)
        #expect(throws: OrderError.self) { try order.advance(to: .sentToWarehouse, at: Self.created) }
        #expect(order.asOf(version: 2).cancellation == nil && order.asOf(version: 2).status == .confirmed)

        var shipped = newOrder()
        for status in OrderStatus.flow.dropFirst().prefix(3) { try shipped.advance(to: status, at: Self.created) }
        let refusal = #expect(throws: OrderError.self) { try shipped.cancel(.other, note: nil, at: Self.created) }
        #expect(refusal?.code == .invalidTransition && refusal?.message.contains("has shipped") == true)
        #expect(shipped.status == .shipped && shipped.version == 4)
    }

    @Test("a shipment is set by shipped, updated field by field by in_transit, and kept as it was at each version")
    func shipments() throws {
        var order = newOrder()
        for status in OrderStatus.flow.dropFirst().prefix(2) { try order.advance(to: status, at: Self.created) }
        try order.advance(to: .shipped, shipment: Shipment(carrier: "DHL", trackingNumber: "1"), at: Self.created)
        try order.advance(to: .inTransit, shipment: Shipment(trackingNumber: "2"), at: Self.created)
        #expect(order.shipment == Shipment(carrier: "DHL", trackingNumber: "2"))
        #expect(order.asOf(version: 4).shipment == Shipment(carrier: "DHL", trackingNumber: "1"))
        #expect(order.asOf(version: 3).shipment == nil)
        #expect(throws: OrderError.self) {
            try order.advance(to: .inTransit, shipment: Shipment(carrier: "UPS"), at: Self.created)
        }
        #expect(try !order.advance(to: .inTransit, shipment: Shipment(carrier: "DHL"), at: Self.created))
    }
}
