import FunctionRuntime
import OrderAPI
import OrderDomain
import OrderEvents
import OrderHTTP
import OrderStore
import StructuredLog
import Synchronization
import Testing
import Timestamps

@testable import OrderCommands

/// `POST /order` with `Idempotency-Key`, in process, on the in-memory store with a clock the test moves.
@Suite("Idempotent creation in process")
struct IdempotentCreateTests {
    final class Clock: Sendable {
        let time = Mutex(Timestamp(millisecondsSinceEpoch: 1_795_599_000_000))
        func advance(seconds: Int64) { time.withLock { $0 = $0.adding(milliseconds: seconds * 1000) } }
        var now: Timestamp { time.withLock { $0 } }
    }

    let store = InMemoryOrderStore()
    let clock = Clock()

    func handler(ttl: Int64 = 86_400, lease: Int64 = 60) -> CreateOrder {
        let context = OrderServiceContext(store: store, now: { [clock] in clock.now })
        return CreateOrder(
            context: context, events: EventPublisher(context: context, webhook: WebhookConfiguration(url: nil)),
            idempotency: IdempotencySettings(timeToLiveSeconds: ttl, leaseSeconds: lease))
    }

    static func body(id: String? = nil, sku: String = "A") -> [UInt8] {
        let idField = id.map { #""id": "\#($0)", "# } ?? ""
        return Array(
            #"""
            {\#(idField)"order_lines": [{"sku": "\#(sku)", "price": 5, "quantity": 1}],
             "shipping_address": {"line1": "l", "city": "Madrid", "country": "ES"},
             "billing_address": {"line1": "l", "city": "Madrid", "country": "ES"}}
            """#.utf8)
    }

    func post(_ body: [UInt8], key: String?, handler: CreateOrder? = nil) -> FunctionResponse {
        (handler ?? self.handler()).respond(
            to: FunctionRequest(
                method: "POST", path: "/order", headers: key.map { ["Idempotency-Key": $0] } ?? [:], body: body))
    }

    func orderCount() throws -> Int {
        try store.list(OrderFilter(), after: nil, limit: 500).documents.count
    }

    @Test("the same key and body replay the first answer; no second order")
    func replay() throws {
        let first = post(Self.body(), key: "k")
        clock.advance(seconds: 5)
        let second = post(Self.body(), key: "k")
        #expect(first.statusCode == 201)
        #expect(second.statusCode == 201)
        #expect(second.body == first.body)
        #expect(second.headers["Location"] == first.headers["Location"])
        #expect(second.headers["ETag"] == "\"1\"")
        #expect(second.headers["Idempotent-Replayed"] == "true")
        #expect(first.headers["Idempotent-Replayed"] == nil)
        #expect(try orderCount() == 1)
        #expect(try store.list(OrderFilter(), after: nil, limit: 5).documents.first?.events.count == 1)
    }

    @Test("the same key with another body is 422 idempotency_key_reused")
    func reuse() throws {
        _ = post(Self.body(), key: "k")
        let other = post(Self.body(sku: "B"), key: "k")
        #expect(other.statusCode == 422)
        #expect(other.errorCode == "idempotency_key_reused")
        #expect(try orderCount() == 1)
    }

    @Test("a key held by a running request is 409 request_in_progress, then taken over once its lease runs out")
    func inProgressAndTakeover() throws {
        let digest = try #require(IdempotencyKeyDigest(hex: IdempotencyKey.hexDigest(of: Array("k".utf8))))
        let chosen = OrderID("01JDQ3ZC8M6S9X2V5T7R4N1K0P")!
        try store.updateIdempotencyRecord(digest) { record in
            record = IdempotencyRecord(
                fingerprint: IdempotencyKey.hexDigest(of: Self.body()), orderID: chosen, state: .inProgress,
                createdAt: clock.now, leaseExpiresAt: clock.now.adding(milliseconds: 60_000), owner: "other")
        }
        let busy = post(Self.body(), key: "k")
        #expect(busy.statusCode == 409)
        #expect(busy.errorCode == "request_in_progress")
        #expect(try orderCount() == 0)

        clock.advance(seconds: 61)
        let takeover = post(Self.body(), key: "k")
        #expect(takeover.statusCode == 201)
        #expect(takeover.headers["Location"] == "/order/\(chosen)")
        #expect(try orderCount() == 1)
    }

    @Test("a key is forgotten after its time to live")
    func expiry() throws {
        let first = post(Self.body(), key: "k", handler: handler(ttl: 10))
        clock.advance(seconds: 11)
        let second = post(Self.body(), key: "k", handler: handler(ttl: 10))
        #expect(first.statusCode == 201 && second.statusCode == 201)
        #expect(first.headers["Location"] != second.headers["Location"])
        #expect(try orderCount() == 2)
    }

    @Test(
        "an invalid key is 400 invalid_header and nothing is created",
        arguments: ["", "a b", "é", String(repeating: "k", count: 256)])
    func invalidKey(key: String) throws {
        let response = post(Self.body(), key: key)
        #expect(response.statusCode == 400)
        #expect(response.errorCode == "invalid_header")
        #expect(try orderCount() == 0)
    }

    @Test("without a key, a retry makes a second order")
    func withoutKey() throws {
        _ = post(Self.body(), key: nil)
        _ = post(Self.body(), key: nil)
        #expect(try orderCount() == 2)
    }
}
