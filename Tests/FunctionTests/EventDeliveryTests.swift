import Foundation
import Testing

/// Events delivered by the real executables to a real HTTP receiver on loopback.
@Suite("Event delivery end to end", .serialized)
struct EventDeliveryTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// A fresh data directory and the environment for a webhook at `url`.
    struct Setup {
        let data: URL
        var environment: [String: String]

        /// Uses `data` as the data directory, or a new temporary one.
        init(url: String, data: URL? = nil, extra: [String: String] = [:]) throws {
            self.data = try data ?? Paths.temporaryDirectory()
            environment = [
                "ORDER_DATA_DIR": self.data.path, "ORDER_WEBHOOK_URL": url,
                "ORDER_WEBHOOK_SECRET": EventDeliveryTests.secret,
                // Generous, so that a receiver slowed by a busy machine still answers in time; the tests of the
                // timeout set their own.
                "ORDER_WEBHOOK_TIMEOUT_MS": "5000",
            ].merging(extra) { $1 }
        }

        func run(_ function: String, _ event: Data) async throws -> FunctionProcess.Result {
            try await FunctionProcess.run(
                Paths.binaries.appendingPathComponent(function), input: event, environment: environment)
        }

        func create(_ id: String) async throws -> Events.Response {
            try Events.response(await run("create-order", Events.createOrder(id: id)))
        }

        func update(_ id: String, to status: String) async throws -> Events.Response {
            try Events.response(await run("update-order-status", Events.updateStatus(id: id, status: status)))
        }

        /// The order's events as `GET /order/{id}/events` lists them.
        func events(_ id: String) async throws -> [[String: Any]] {
            let response = try Events.response(
                await run(
                    "get-order-events",
                    Events.event(method: "GET", path: "/order/\(id)/events", pathParameters: ["id": id], body: nil)))
            return response.body["events"] as? [[String: Any]] ?? []
        }

        /// Runs `dispatch-events` once, as the schedule would, and returns its summary.
        func dispatch() async throws -> [String: Any] {
            let result = try await run("dispatch-events", Data(Events.scheduledEvent.utf8))
            #expect(result.exitCode == 0, "\(result.standardError)")
            let answer = try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any]
            return answer?["summary"] as? [String: Any] ?? [:]
        }

        func cleanUp() { try? FileManager.default.removeItem(at: data) }
    }

    @Test("every real change reaches the webhook once, signed, as a CloudEvent")
    func signedEvents() async throws {
        let receiver = try await WebhookReceiver()
        let setup = try Setup(url: receiver.url)
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-1").statusCode == 201)
        #expect(try await setup.update("EVT-1", to: "confirmed").statusCode == 200)
        #expect(try await setup.update("EVT-1", to: "confirmed").statusCode == 200)  // a no-op: no event
        #expect(try await setup.update("EVT-1", to: "delivered").statusCode == 409)  // refused: no event
        #expect(try await setup.update("EVT-404", to: "confirmed").statusCode == 404)  // no order: no event
        try await receiver.waitForRequests(2)
        await receiver.stop()

        let received = receiver.received
        #expect(received.map(\.type) == ["order_added", "order_status_updated"])
        #expect(received.map(\.version) == [1, 2])
        for request in received {
            #expect(request.signatureVerifies(secret: Self.secret))
            #expect(request.headers["webhook-id"] == request.eventID)
            #expect(request.headers["content-type"] == "application/cloudevents+json")
            #expect(request.json["specversion"] as? String == "1.0")
            #expect(request.json["subject"] as? String == "EVT-1")
            #expect(request.json["source"] as? String == "/order-service")
        }
        let data = try #require(received.first?.json["data"] as? [String: Any])
        #expect(data["previous_status"] is NSNull)
        #expect((data["order"] as? [String: Any])?["id"] as? String == "EVT-1")

        let events = try await setup.events("EVT-1")
        #expect(events.map { ($0["delivery"] as? [String: Any])?["state"] as? String } == ["delivered", "delivered"])
        #expect(events.map { $0["id"] as? String } == received.map(\.eventID))
    }

    @Test("with the receiver down, events stay pending; dispatch-events delivers them in order, same ids")
    func receiverDown() async throws {
        let port = try unusedPort()
        let setup = try Setup(url: "http://127.0.0.1:\(port)/hook", extra: ["ORDER_WEBHOOK_RETRY_SCHEDULE": "0s,0s,0s"])
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-2").statusCode == 201)
        #expect(try await setup.update("EVT-2", to: "confirmed").statusCode == 200)
        #expect(try await setup.update("EVT-2", to: "sent_to_warehouse").statusCode == 200)
        let pending = try await setup.events("EVT-2")
        #expect(pending.count == 3)
        let first = try #require(pending.first?["delivery"] as? [String: Any])
        #expect(first["state"] as? String == "pending")
        #expect((first["last_error"] as? String)?.hasPrefix("connection_refused") == true)

        let receiver = try await WebhookReceiver(port: port)
        let summary = try await setup.dispatch()
        #expect(summary["delivered"] as? Int == 3)
        await receiver.stop()
        #expect(receiver.received.map(\.version) == [1, 2, 3])
        #expect(receiver.received.map(\.eventID) == pending.map { $0["id"] as? String ?? "" })
        #expect(
            try await setup.events("EVT-2").allSatisfy {
                ($0["delivery"] as? [String: Any])?["state"] as? String == "delivered"
            })
        // Nothing is left to do: the next run finds no work.
        #expect(try await setup.dispatch()["orders_checked"] as? Int == 0)
    }

    @Test("500s are retried on the schedule, then dead-lettered with the last error")
    func serverErrors() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script(Array(repeating: .init(status: 500), count: 3))
        let setup = try Setup(url: receiver.url, extra: ["ORDER_WEBHOOK_RETRY_SCHEDULE": "0s,0s"])
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-3").statusCode == 201)
        var delivery = try #require(try await setup.events("EVT-3").first?["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "pending")
        #expect(delivery["attempts"] as? Int == 1)
        #expect(delivery["last_status"] as? Int == 500)
        #expect(delivery["next_attempt_at"] is String)

        _ = try await setup.dispatch()
        let summary = try await setup.dispatch()
        #expect(summary["dead_lettered"] as? Int == 1)
        await receiver.stop()
        delivery = try #require(try await setup.events("EVT-3").first?["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "dead")
        #expect(delivery["attempts"] as? Int == 3)
        #expect(delivery["last_error"] as? String == "HTTP 500")
        let letters = try FileManager.default.contentsOfDirectory(
            atPath: setup.data.appendingPathComponent("dead-letters").path)
        #expect(letters == ["\(receiver.received[0].eventID).json"])
    }

    @Test("a slow webhook costs the client at most the timeout, and the event stays pending")
    func timeout() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(delayMilliseconds: 5000)])
        let setup = try Setup(url: receiver.url, extra: ["ORDER_WEBHOOK_TIMEOUT_MS": "300"])
        defer { setup.cleanUp() }

        let started = Date()
        #expect(try await setup.create("EVT-4").statusCode == 201)
        #expect(Date().timeIntervalSince(started) < 3)
        let delivery = try #require(try await setup.events("EVT-4").first?["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "pending")
        #expect((delivery["last_error"] as? String)?.hasPrefix("timeout") == true)
        await receiver.stop()
    }

    @Test("a 200 with an endless body is delivered at once: the body is not read")
    func endlessReplyBody() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(endlessBody: true)])
        let setup = try Setup(url: receiver.url)
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-9").statusCode == 201)
        // Reading the body to its end would last until the 5 s timeout and fail the attempt.
        let delivery = try #require(try await setup.events("EVT-9").first?["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "delivered")
        #expect(delivery["last_status"] as? Int == 200)
        await receiver.stop()
    }

    @Test("after a timeout, changes leave their events to dispatch-events, which delivers them in order")
    func unhealthyWebhook() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(delayMilliseconds: 5000)])
        let setup = try Setup(
            url: receiver.url, extra: ["ORDER_WEBHOOK_TIMEOUT_MS": "300", "ORDER_WEBHOOK_RETRY_SCHEDULE": "1h"])
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-10").statusCode == 201)  // its attempt times out: the webhook is marked
        let confirm = try await setup.run("update-order-status", Events.updateStatus(id: "EVT-10", status: "confirmed"))
        #expect(try Events.response(confirm).statusCode == 200)
        #expect(confirm.standardError.contains("webhook_delivery_deferred"), "\(confirm.standardError)")
        #expect(try await setup.create("EVT-11").statusCode == 201)
        // Only the first change went to the webhook; the others did not spend a timeout on it.
        #expect(receiver.received.count == 1)
        let marked = try String(contentsOf: setup.data.appendingPathComponent("webhook-health.json"), encoding: .utf8)
        #expect(marked.contains("unhealthy_until"))

        // dispatch-events ignores the mark: it delivers everything due, in order per order, and the mark is cleared.
        let summary = try await setup.dispatch()
        #expect(summary["delivered"] as? Int == 1)  // EVT-10's events wait for its retry, in an hour; EVT-11's goes
        #expect(
            try await setup.events("EVT-11").map { ($0["delivery"] as? [String: Any])?["state"] as? String } == [
                "delivered"
            ])
        let cleared = try String(contentsOf: setup.data.appendingPathComponent("webhook-health.json"), encoding: .utf8)
        #expect(cleared.isEmpty)
        #expect(try await setup.update("EVT-11", to: "confirmed").statusCode == 200)
        try await receiver.waitForRequests(3)
        await receiver.stop()
        #expect(receiver.received.last?.type == "order_status_updated")
    }

    @Test("410 Gone is final: the event goes to the dead letters at once")
    func gone() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(status: 410)])
        let setup = try Setup(url: receiver.url)
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-5").statusCode == 201)
        let delivery = try #require(try await setup.events("EVT-5").first?["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "dead")
        #expect(delivery["attempts"] as? Int == 1)
        await receiver.stop()
    }

    @Test("429 with Retry-After is not retried before the time it asked for")
    func retryAfter() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(status: 429, headers: ["Retry-After": "3600"])])
        let setup = try Setup(url: receiver.url, extra: ["ORDER_WEBHOOK_RETRY_SCHEDULE": "0s"])
        defer { setup.cleanUp() }

        #expect(try await setup.create("EVT-6").statusCode == 201)
        let delivery = try #require(try await setup.events("EVT-6").first?["delivery"] as? [String: Any])
        let next = try #require(delivery["next_attempt_at"] as? String)
        let wait = try #require(ISO8601DateFormatter.withFractions.date(from: next)).timeIntervalSinceNow
        #expect(wait > 3500 && wait <= 3600)
        #expect(try await setup.dispatch()["delivered"] as? Int == 0)
        #expect(receiver.received.count == 1)
        await receiver.stop()
    }

    @Test("a process killed after its commit, before delivery, loses nothing")
    func killedAfterCommit() async throws {
        let receiver = try await WebhookReceiver()
        // The first delivery hangs, so the process is caught between its commit and the end of its delivery.
        receiver.script([.init(delayMilliseconds: 10_000)])
        let setup = try Setup(
            url: receiver.url, extra: ["ORDER_WEBHOOK_TIMEOUT_MS": "20000", "ORDER_WEBHOOK_RETRY_SCHEDULE": "0s"])
        defer { setup.cleanUp() }

        let running = try FunctionProcess.start(
            Paths.binaries.appendingPathComponent("create-order"), input: try Events.createOrder(id: "EVT-7"),
            environment: setup.environment)
        try await receiver.waitForRequests(1)
        running.send(SIGKILL)
        _ = try await running.wait()

        let delivery = try #require(try await setup.events("EVT-7").first?["delivery"] as? [String: Any])
        #expect(delivery["state"] as? String == "pending")
        #expect(try await setup.dispatch()["delivered"] as? Int == 1)
        await receiver.stop()
        // At least once: the interrupted attempt and the redelivery carry the same id.
        #expect(Set(receiver.received.map(\.eventID)).count == 1)
    }

    @Test("20 processes racing to confirm one order make exactly one event")
    func racingConfirmations() async throws {
        let receiver = try await WebhookReceiver()
        let setup = try Setup(url: receiver.url)
        defer { setup.cleanUp() }
        #expect(try await setup.create("EVT-8").statusCode == 201)

        let running = try (0..<20).map { _ in
            try FunctionProcess.start(
                Paths.binaries.appendingPathComponent("update-order-status"),
                input: try Events.updateStatus(id: "EVT-8", status: "confirmed"), environment: setup.environment)
        }
        for process in running {
            #expect(try Events.response(await process.wait()).statusCode == 200)
        }
        try await receiver.waitForRequests(2)
        try await Task.sleep(for: .milliseconds(200))
        await receiver.stop()

        let events = try await setup.events("EVT-8")
        #expect(events.map { $0["type"] as? String } == ["order_added", "order_status_updated"])
        #expect(Set(receiver.received.map(\.eventID)).count == 2)
        #expect(receiver.received.filter { $0.type == "order_status_updated" }.count == 1)
    }
}

extension Events {
    /// What the scheduler sends `dispatch-events`: an EventBridge scheduled event.
    static let scheduledEvent = """
        {"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",
         "source":"aws.events","account":"123456789012","time":"2026-11-25T09:30:00Z","region":"eu-west-1",
         "resources":["arn:aws:events:eu-west-1:123456789012:rule/dispatch-events"],"detail":{}}
        """
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
