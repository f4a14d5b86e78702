import Foundation
import FunctionRuntime
import OrderAPI
import OrderDomain
import OrderHTTP
import OrderStore
import SampleOrders
import StructuredLog
import Testing
import Timestamps

/// `GET /orders` in process: the query's parameters and the answer's shape.
@Suite("List orders in process")
struct ListOrdersTests {
    @Test("parameters are read into a filter, a limit and a position")
    func parameters() throws {
        let position = OrderListPosition(
            createdAt: Timestamp(millisecondsSinceEpoch: 1_795_599_000_000), id: OrderID("A_1-b")!)
        let query = try OrderListQuery(parameters: [
            "status": "shipped", "shipping_city": "Madrid", "shipping_country": "es",
            "created_from": "2026-11-25T10:30:00 01:00", "created_to": "2026-11-26T00:00:00Z", "limit": "7",
            "cursor": OrderListQuery.cursor(after: position), "unknown": "ignored",
        ])
        #expect(query.filter.status == .shipped)
        #expect(query.filter.shippingCity == "Madrid")
        #expect(query.filter.shippingCountry == "es")
        #expect(query.filter.createdFrom == Timestamp(rfc3339: "2026-11-25T09:30:00Z"))
        #expect(query.filter.createdBefore == Timestamp(rfc3339: "2026-11-26T00:00:00Z"))
        #expect(query.limit == 7)
        #expect(query.after == position)
        #expect(try OrderListQuery(parameters: [:]) == OrderListQuery())
    }

    @Test(
        "a bad parameter is validation_failed naming it",
        arguments: [
            ("limit", "0"), ("limit", "501"), ("limit", "1.5"), ("status", "Shipped"), ("cursor", "djE6eDp5"),
            ("cursor", "%%%"), ("created_from", "2026-11-25"), ("shipping_city", "  "),
            // One character, 257 code points: over the limit of 256.
            ("shipping_country", "x" + String(repeating: "\u{301}", count: 256)),
        ])
    func badParameter(name: String, value: String) {
        #expect {
            try OrderListQuery(parameters: [name: value])
        } throws: { error in
            (error as? OrderError)?.code == .validationFailed
                && (error as? OrderError)?.details.map(\.field) == ["query.\(name)"]
        }
    }

    @Test("the answer holds full orders and a null next_cursor on the last page")
    func answer() throws {
        let store = InMemoryOrderStore()
        let context = OrderServiceContext(store: store)
        for (index, id) in ["A", "B", "C"].enumerated() {
            let order = SampleOrders.order(
                OrderID(id)!, at: Timestamp(millisecondsSinceEpoch: Int64(index)),
                line: OrderLine(sku: "S", price: 1, quantity: 1))
            try store.create(OrderDocument(newOrder: order))
        }
        let first = ListOrders(context: context).respond(
            to: FunctionRequest(method: "GET", path: "/orders", queryParameters: ["limit": "2"]))
        #expect(first.statusCode == 200)
        #expect(first.body.hasPrefix(#"{"next_cursor":""#))
        #expect(first.body.contains(#""order_lines":[{"price":1,"quantity":1,"sku":"S"}]"#))
        let last = ListOrders(context: context).respond(
            to: FunctionRequest(
                method: "GET", path: "/orders", queryParameters: ["limit": "2", "shipping_city": "MADRID"]))
        #expect(last.body.contains(#""id":"A""#))
        let empty = ListOrders(context: context).respond(
            to: FunctionRequest(method: "GET", path: "/orders", queryParameters: ["status": "delivered"]))
        #expect(empty.body == #"{"next_cursor":null,"orders":[]}"#)
    }
}
