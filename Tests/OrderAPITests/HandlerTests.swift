import FunctionRuntime
import OrderAPI
import OrderCommands
import OrderEvents
import OrderHTTP
import OrderStore
import StructuredLog
import Testing
import Timestamps

/// The handlers called in-process, on the in-memory store with a fixed clock.
@Suite("Handlers in process")
struct HandlerTests {
    let context = OrderServiceContext(
        store: InMemoryOrderStore(), now: { Timestamp(millisecondsSinceEpoch: 1_795_599_000_000) })
    var events: EventPublisher { EventPublisher(context: context, webhook: WebhookConfiguration(url: nil)) }

    static let orderBody = #"""
        {"id": "ORD-1", "order_lines": [{"sku": "A", "price": 19.99, "quantity": 3}],
         "shipping_address": {"line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"},
         "billing_address": {"line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"}}
        """#

    @Test("create answers 201 with Location, ETag and the stored order")
    func create() {
        let response = CreateOrder(context: context, events: events).respond(
            to: FunctionRequest(method: "POST", path: "/order", body: Array(Self.orderBody.utf8)))
        #expect(response.statusCode == 201)
        #expect(response.headers["Location"] == "/order/ORD-1")
        #expect(response.headers["ETag"] == "\"1\"")
        #expect(response.body.contains(#""amount":59.97"#))
        #expect(response.body.contains(#""created_at":"2026-11-25T09:30:00.000Z""#))
    }

    @Test("update and get see the same store")
    func updateThenGet() {
        _ = CreateOrder(context: context, events: events).respond(
            to: FunctionRequest(method: "POST", path: "/order", body: Array(Self.orderBody.utf8)))
        let updated = UpdateOrderStatus(context: context, events: events).respond(
            to: FunctionRequest(
                method: "PUT", path: "/order/ORD-1/status", pathParameters: ["id": "ORD-1"],
                body: Array(#"{"status": "confirmed"}"#.utf8)))
        #expect(updated.statusCode == 200)
        let read = GetOrder(context: context).respond(
            to: FunctionRequest(method: "GET", path: "/order/ORD-1", pathParameters: ["id": "ORD-1"]))
        #expect(read.headers["ETag"] == "\"2\"")
        #expect(read.body.contains(#""status":"confirmed""#))
    }

    @Test("a body over 1 MiB is refused before the handler reads it")
    func oversized() {
        let response = CreateOrder(context: context, events: events).respond(
            to: FunctionRequest(method: "POST", path: "/order", body: Array(repeating: 32, count: 1_048_577)))
        #expect(response.statusCode == 413)
        #expect(response.errorCode == "payload_too_large")
    }
}
