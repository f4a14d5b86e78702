import CurlHTTP
import FoundationEssentials
import OrderDomain
import OrderStore
import SampleOrders
import Synchronization
import SystemSupport
import Testing
import Timestamps

@testable import OrderEvents

/// Delivery outcomes, with a scripted transport, the in-memory store and a clock the test moves.
@Suite("Delivering events")
struct EventDelivererTests {
    let store = InMemoryOrderStore()
    let clock = TestClock()
    let transport = ScriptedTransport()
    let id = OrderID("ORD-1")!

    func deliverer(schedule: RetrySchedule = RetrySchedule(waits: [5000, 60_000], jitter: 0)) -> EventDeliverer {
        EventDeliverer(
            store: store,
            configuration: WebhookConfiguration(
                url: "https://user:secret@hooks.example.com:8443/orders?token=x", signingKey: Array("key".utf8),
                retrySchedule: schedule),
            transport: transport, now: { [clock] in clock.now })
    }

    func createOrder() throws {
        try store.create(OrderDocument(newOrder: SampleOrders.order(id, at: clock.now)))
    }

    func confirm() throws {
        _ = try store.update(id) { try $0.advance(to: .confirmed, at: clock.now) }
    }

    func events() throws -> [OrderEvent] {
        try #require(try store.get(id)).events
    }

    @Test("a 2xx delivers; the request is a signed CloudEvent")
    func delivered() throws {
        try createOrder()
        transport.replies = [.success(HTTPReply(status: 204, headers: [:], body: []))]
        var deliverer = deliverer()
        let report = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        #expect(report.delivered == 1)
        let event = try #require(try events().first)
        #expect(event.delivery.state == .delivered)
        #expect(event.delivery.lastStatus == 204)
        #expect(try store.ordersWithPendingEvents().isEmpty)

        let request = try #require(transport.requests.first)
        let headers = Dictionary(request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(headers["Content-Type"] == "application/cloudevents+json")
        #expect(headers["webhook-id"] == event.id)
        let timestamp = try #require(headers["webhook-timestamp"].flatMap { Int64($0) })
        #expect(
            headers["webhook-signature"]
                == WebhookSignature.sign(id: event.id, timestamp: timestamp, body: request.body, key: Array("key".utf8))
        )
        let body = try JSONDecoder().decode(CloudEventBody.self, from: Data(request.body))
        #expect(body.specversion == "1.0")
        #expect(body.id == event.id)
        #expect(body.type == "order_added")
        #expect(body.subject == "ORD-1")
        #expect(body.data.previousStatus == nil)
        #expect(body.data.version == 1)
    }

    @Test("a redelivered dead event goes out again under its id, before the order's later pending events")
    func redeliveredBeforeLaterEvents() throws {
        try createOrder()
        transport.replies = [.success(HTTPReply(status: 410, headers: [:], body: []))]
        var deliverer = deliverer()
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).deadLettered == 1)
        try confirm()
        let dead = try #require(try events().first)
        _ = try store.update(id) { document in
            document.events[0].delivery = document.events[0].delivery.redelivered(dueAt: clock.now)
        }
        #expect(try store.ordersWithPendingEvents() == [id])

        transport.replies = Array(repeating: .success(HTTPReply(status: 204, headers: [:], body: [])), count: 2)
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).delivered == 2)
        let sentIDs = transport.requests.dropFirst().map { request in
            request.headers.first { $0.name == "webhook-id" }?.value
        }
        let current = try events()
        #expect(sentIDs == [dead.id, current[1].id])
        #expect(current[0].id == dead.id)
        #expect(current[0].delivery.state == .delivered)
        #expect(current[0].delivery.attempts == 1)
        #expect(current[0].delivery.earlierRounds.map(\.state) == [.dead])
        #expect(current[0].delivery.earlierRounds.first?.lastStatus == 410)
    }

    @Test("a failure is retried on the schedule and dead-lettered after the last attempt")
    func retriedThenDead() throws {
        try createOrder()
        transport.replies = Array(repeating: .success(HTTPReply(status: 500, headers: [:], body: [])), count: 3)
        var deliverer = deliverer()

        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).failed == 1)
        var delivery = try events()[0].delivery
        #expect(delivery.state == .pending)
        #expect(delivery.attempts == 1)
        #expect(delivery.lastStatus == 500)
        #expect(delivery.nextAttemptAt == clock.now.adding(milliseconds: 5000))

        // Not due yet: nothing is sent, and the event is reported as the oldest that waits.
        var waiting = EventDeliverer.Report()
        waiting.oldestPendingAt = try events()[0].occurredAt
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0) == waiting)
        #expect(transport.requests.count == 1)

        clock.advance(5000)
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).failed == 1)
        clock.advance(60_000)
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).deadLettered == 1)
        delivery = try events()[0].delivery
        #expect(delivery.state == .dead)
        #expect(delivery.attempts == 3)
        #expect(try store.deadLetters().keys.sorted() == [try events()[0].id])
        #expect(try store.ordersWithPendingEvents().isEmpty)
        // Every retry kept the event id.
        #expect(Set(transport.requests.map { $0.headers.first { $0.name == "webhook-id" }!.value }).count == 1)
    }

    @Test("410 Gone is final at once")
    func gone() throws {
        try createOrder()
        transport.replies = [.success(HTTPReply(status: 410, headers: [:], body: []))]
        var deliverer = deliverer()
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).deadLettered == 1)
        #expect(try events()[0].delivery.state == .dead)
        #expect(try store.deadLetters().count == 1)
    }

    @Test("429 with Retry-After waits as long as asked", arguments: ["120", "Wed, 25 Nov 2026 09:32:00 GMT"])
    func retryAfter(value: String) throws {
        try createOrder()
        transport.replies = [.success(HTTPReply(status: 429, headers: ["retry-after": value], body: []))]
        var deliverer = deliverer()
        _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        #expect(try events()[0].delivery.nextAttemptAt == clock.now.adding(milliseconds: 120_000))
    }

    @Test("a transport error is retried, and its code recorded")
    func transportError() throws {
        try createOrder()
        transport.replies = [.failure(HTTPTransportError(code: "timeout", message: "Timeout was reached"))]
        var deliverer = deliverer()
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).failed == 1)
        #expect(try events()[0].delivery.lastError == "timeout: Timeout was reached")
        #expect(try events()[0].delivery.lastStatus == nil)
    }

    @Test("one order's events go out in order: a failing event holds back the next")
    func perOrderOrder() throws {
        try createOrder()
        try confirm()
        transport.replies = [
            .success(HTTPReply(status: 503, headers: [:], body: [])),
            .success(HTTPReply(status: 200, headers: [:], body: [])),
            .success(HTTPReply(status: 200, headers: [:], body: [])),
        ]
        var deliverer = deliverer()
        _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        #expect(transport.requests.count == 1)
        #expect(try events().map(\.delivery.state) == [.pending, .pending])

        clock.advance(5000)
        #expect(try deliverer.deliverDueEvents(of: id, waitingAtMost: 0).delivered == 2)
        let versions = try transport.requests.map {
            try JSONDecoder().decode(CloudEventBody.self, from: Data($0.body)).data.version
        }
        #expect(versions == [1, 1, 2])
    }

    @Test("an order that does not exist has nothing to deliver, and does not stop a dispatch run")
    func missingOrder() throws {
        try createOrder()
        transport.replies = [.success(HTTPReply(status: 200, headers: [:], body: []))]
        var deliverer = deliverer()
        #expect(try deliverer.deliverDueEvents(of: OrderID("GHOST-1")!, waitingAtMost: 0) == .init())

        // On disk, a create that died between its outbox hint and its document leaves a hint naming no order.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("order-events-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fileStore = try FileOrderStore(root: root.path)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("outbox"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("outbox/GHOST-1").path, contents: nil)
        try fileStore.create(try #require(try store.get(id)))
        var dispatcher = EventDispatcher(
            deliverer: EventDeliverer(
                store: fileStore, configuration: WebhookConfiguration(url: "http://127.0.0.1:9/hook"),
                transport: transport, now: { [clock] in clock.now }),
            store: fileStore)
        let summary = try dispatcher.run()
        #expect(summary.delivered == 1)
        #expect(try fileStore.ordersWithPendingEvents() == [])
    }

    @Test("the event carries the order as it stood after its change")
    func orderAsOfVersion() throws {
        try createOrder()
        clock.advance(1000)
        try confirm()
        transport.replies = Array(repeating: .success(HTTPReply(status: 200, headers: [:], body: [])), count: 2)
        var deliverer = deliverer()
        _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        let bodies = try transport.requests.map { try JSONDecoder().decode(CloudEventBody.self, from: Data($0.body)) }
        #expect(bodies.map(\.data.order.status) == ["pending_confirmation", "confirmed"])
        #expect(bodies.map(\.data.order.version) == [1, 2])
        #expect(bodies[1].data.previousStatus == "pending_confirmation")
    }

    @Test("each event's data names the actor of its change, as the order's history records it; null for none")
    func actors() throws {
        try store.create(OrderDocument(newOrder: SampleOrders.order(id, at: clock.now, by: "alice")))
        clock.advance(1000)
        _ = try store.update(id) { try $0.advance(to: .confirmed, at: clock.now, by: "warehouse-client") }
        clock.advance(1000)
        _ = try store.update(id) { try $0.advance(to: .sentToWarehouse, at: clock.now) }
        transport.replies = Array(repeating: .success(HTTPReply(status: 200, headers: [:], body: [])), count: 3)
        var deliverer = deliverer()
        _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        let bodies = try transport.requests.map { try JSONDecoder().decode(CloudEventBody.self, from: Data($0.body)) }
        #expect(bodies.map(\.data.actor) == ["alice", "warehouse-client", nil])
        // Present and null, not left out.
        #expect(String(decoding: transport.requests[2].body, as: UTF8.self).contains(#""actor":null"#))
    }

    @Test(
        "only the URL's host is fit to log; credentials with / ? # or @ unencoded never show",
        arguments: [
            ("https://user:secret@hooks.example.com:8443/orders?token=x", "hooks.example.com:8443"),
            ("https://hooks.example.com/orders", "hooks.example.com"),
            ("http://[::1]:8080/hook", "[::1]:8080"),
            ("https://user:pa?ss@hooks.example.com/orders", "unknown"),
            ("https://user:pa#ss@hooks.example.com/orders", "unknown"),
            ("https://user:12?ss@hooks.example.com/orders", "unknown"),
            ("https://user:12/ss@hooks.example.com/orders", "unknown"),
            ("https://tok?en@hooks.example.com/orders", "unknown"),
            ("https://user:p@ss@hooks.example.com/orders", "unknown"),
        ])
    func loggedHost(url: String, logged: String) {
        #expect(WebhookConfiguration(url: url).loggableHost == logged)
    }

    @Test(
        "a webhook URL whose host or port is not valid is refused, without repeating it",
        arguments: [
            "https://user:pa?ss@hooks.example.com/orders", "https://user:pa/ss@h/", "https://h:80x/", "http://",
        ])
    func invalidURL(url: String) {
        #expect {
            try WebhookConfiguration.fromEnvironment(Environment(["ORDER_WEBHOOK_URL": url]))
        } throws: { error in
            let description = "\(error)"
            return description.contains("Percent-encode") && !description.contains("pa?ss")
        }
    }
}

/// The parts of a CloudEvent body the tests read.
struct CloudEventBody: Decodable {
    var specversion: String
    var id: String
    var type: String
    var subject: String
    var source: String
    var data: Payload

    struct Payload: Decodable {
        var orderID: String
        var status: String
        var previousStatus: String?
        var version: Int
        var actor: String?
        var order: OrderFields

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case status
            case previousStatus = "previous_status"
            case version, actor, order
        }
    }

    struct OrderFields: Decodable {
        var status: String
        var version: Int
    }
}

/// A transport that answers from a script and remembers what it was sent.
final class ScriptedTransport: WebhookTransport, @unchecked Sendable {
    var replies: [Result<HTTPReply, HTTPTransportError>] = []
    var requests: [HTTPRequest] = []

    func send(_ request: HTTPRequest) -> Result<HTTPReply, HTTPTransportError> {
        requests.append(request)
        return replies.isEmpty
            ? .failure(HTTPTransportError(code: "script_empty", message: "no reply scripted")) : replies.removeFirst()
    }
}

final class TestClock: Sendable {
    private let time = Mutex(Timestamp(rfc3339: "2026-11-25T09:30:00Z")!)
    var now: Timestamp { time.withLock { $0 } }
    func advance(_ milliseconds: Int64) { time.withLock { $0 = $0.adding(milliseconds: milliseconds) } }
}
