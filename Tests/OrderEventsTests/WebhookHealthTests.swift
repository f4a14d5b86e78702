import CurlHTTP
import FoundationEssentials
import OrderDomain
import OrderStore
import SampleOrders
import Testing
import Timestamps

@testable import OrderEvents

/// The webhook's health mark, shared by every process through a file in the data directory.
@Suite("The webhook's health mark")
struct WebhookHealthTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-health-\(UUID().uuidString)")
    let now = Timestamp(rfc3339: "2026-11-25T09:30:00Z")!
    let host = "hooks.example.com"

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var health: WebhookHealth { WebhookHealth(directory: directory.path) }

    func later(_ milliseconds: Int64) -> Timestamp { now.adding(milliseconds: milliseconds) }

    @Test("never marked: every delivery is attempted, and no file is written")
    func unmarked() {
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: now) == .attempt)
        health.record(timedOut: false, error: "", urlHost: host, now: now)
        #expect(!FileManager.default.fileExists(atPath: health.path))
    }

    @Test("a timeout marks the webhook for the quiet period; then one probe goes, and the others wait for it")
    func quietPeriodThenOneProbe() {
        health.record(timedOut: true, error: "timeout: Timeout was reached", urlHost: host, now: now)
        let until = later(WebhookHealth.quietMilliseconds)
        #expect(
            health.verdict(urlHost: host, probeMilliseconds: 3000, now: later(1000))
                == .skip(until: until, lastError: "timeout: Timeout was reached"))
        let expired = later(WebhookHealth.quietMilliseconds)
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: expired) == .attempt)
        #expect(
            health.verdict(urlHost: host, probeMilliseconds: 3000, now: expired.adding(milliseconds: 10))
                == .skip(until: expired.adding(milliseconds: 3000), lastError: "timeout: Timeout was reached"))
    }

    @Test("any outcome within the time limit clears the mark, an error status included")
    func cleared() throws {
        health.record(timedOut: true, error: "timeout", urlHost: host, now: now)
        health.record(timedOut: false, error: "", urlHost: host, now: later(10))
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: later(20)) == .attempt)
        #expect(try Data(contentsOf: URL(fileURLWithPath: health.path)).isEmpty)
    }

    @Test("a mark left for another host, an unreadable file, or a mark from a clock gone back are not obeyed")
    func untrusted() throws {
        health.record(timedOut: true, error: "timeout", urlHost: "old.example.com", now: now)
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: later(10)) == .attempt)

        try Data("{not json".utf8).write(to: URL(fileURLWithPath: health.path))
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: now) == .attempt)

        health.record(timedOut: true, error: "timeout", urlHost: host, now: later(86_400_000))
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: now) == .attempt)
    }

    @Test("a deliverer records each attempt: a timeout marks, a reply clears")
    func delivererRecords() throws {
        let store = InMemoryOrderStore()
        let id = OrderID("ORD-1")!
        try store.create(OrderDocument(newOrder: SampleOrders.order(id, at: now)))
        let transport = ScriptedTransport()
        transport.replies = [
            .failure(HTTPTransportError(code: "timeout", message: "Timeout was reached")),
            .success(HTTPReply(status: 500, headers: [:], body: [])),
        ]
        let clock = TestClock()
        var deliverer = EventDeliverer(
            store: store, configuration: WebhookConfiguration(url: "https://\(host)/orders"), transport: transport,
            health: health, now: { clock.now })

        _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        guard case .skip = health.verdict(urlHost: host, probeMilliseconds: 3000, now: clock.now) else {
            Issue.record("a timed-out attempt did not mark the webhook")
            return
        }
        clock.advance(60_000)
        _ = try deliverer.deliverDueEvents(of: id, waitingAtMost: 0)
        #expect(transport.requests.count == 2)
        #expect(health.verdict(urlHost: host, probeMilliseconds: 3000, now: clock.now) == .attempt)
    }
}
