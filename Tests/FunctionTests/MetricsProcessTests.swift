import Foundation
import Testing

/// The metrics the real executables write into their log lines, in CloudWatch's Embedded Metric Format.
@Suite("Metrics in the functions' log lines", .serialized)
struct MetricsProcessTests {
    /// The log lines of a run whose message is `message`, parsed.
    static func lines(_ message: String, in result: FunctionProcess.Result) -> [[String: Any]] {
        result.standardError.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["msg"] as? String == message }
    }

    /// Every metric a line declares, as `Name Unit [dimension names]`.
    static func declared(_ line: [String: Any]) -> [String] {
        let aws = line["_aws"] as? [String: Any]
        let directives = aws?["CloudWatchMetrics"] as? [[String: Any]] ?? []
        return directives.flatMap { directive -> [String] in
            #expect(directive["Namespace"] as? String == "OrderService")
            let dimensions = (directive["Dimensions"] as? [[String]])?.first ?? []
            return (directive["Metrics"] as? [[String: String]] ?? []).map {
                "\($0["Name"] ?? "") \($0["Unit"] ?? "") \(dimensions)"
            }
        }
    }

    @Test("a create writes its invocation line with OrdersCreated, and HandlerDuration under its Function")
    func create() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let result = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("create-order"), input: try Events.createOrder(id: "EMF-1"),
            environment: ["ORDER_DATA_DIR": data.path])
        #expect(try Events.response(result).statusCode == 201)

        let line = try #require(Self.lines("invocation", in: result).first, "\(result.standardError)")
        #expect(
            Self.declared(line) == ["HandlerDuration Milliseconds [\"Function\"]", "OrdersCreated Count []"],
            "\(line)")
        let aws = try #require(line["_aws"] as? [String: Any])
        #expect((aws["Timestamp"] as? NSNumber)?.int64Value ?? 0 > 1_700_000_000_000)
        #expect(line["Function"] as? String == "create-order")
        #expect(line["OrdersCreated"] as? Double == 1)
        #expect(line["HandlerDuration"] as? Double == line["duration_ms"] as? Double)

        // The same order again is refused: no order was created, so none is counted.
        let again = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("create-order"), input: try Events.createOrder(id: "EMF-1"),
            environment: ["ORDER_DATA_DIR": data.path])
        #expect(try Events.response(again).statusCode == 409)
        let refused = try #require(Self.lines("invocation", in: again).first)
        #expect(refused["OrdersCreated"] == nil)
        #expect(Self.declared(refused) == ["HandlerDuration Milliseconds [\"Function\"]"])
    }

    @Test("a cancellation counts a status change to cancelled and a cancellation for its reason")
    func cancel() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]
        _ = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("create-order"), input: try Events.createOrder(id: "EMF-2"),
            environment: environment)
        let result = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("cancel-order"),
            input: try Events.cancelOrder(id: "EMF-2", reason: "out_of_stock"), environment: environment)
        #expect(try Events.response(result).statusCode == 200)

        let line = try #require(Self.lines("invocation", in: result).first, "\(result.standardError)")
        #expect(
            Self.declared(line) == [
                "HandlerDuration Milliseconds [\"Function\"]", "StatusChanges Count [\"OrderStatus\"]",
                "Cancellations Count [\"Reason\"]",
            ])
        #expect(line["OrderStatus"] as? String == "cancelled")
        #expect(line["Reason"] as? String == "out_of_stock")
    }

    @Test("an attempt the webhook refuses for good counts a dead delivery, its duration, and an event gone dead")
    func deadDelivery() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(status: 410)])
        let setup = try EventDeliveryTests.Setup(url: receiver.url)
        defer { setup.cleanUp() }
        let result = try await setup.run("create-order", Events.createOrder(id: "EMF-3"))
        await receiver.stop()

        let line = try #require(Self.lines("webhook_delivery", in: result).first, "\(result.standardError)")
        #expect(
            Self.declared(line) == [
                "WebhookDeliveries Count [\"Outcome\"]", "WebhookDeliveryDuration Milliseconds [\"Outcome\"]",
                "EventsDead Count []",
            ])
        #expect(line["Outcome"] as? String == "dead")
        #expect(line["EventsDead"] as? Double == 1)
        #expect(line["WebhookDeliveryDuration"] as? Double == line["duration_ms"] as? Double)
    }

    @Test("every dispatch-events run publishes how long the oldest pending event has waited")
    func oldestPendingEvent() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(status: 500)])
        let setup = try EventDeliveryTests.Setup(url: receiver.url, extra: ["ORDER_WEBHOOK_RETRY_SCHEDULE": "1h"])
        defer { setup.cleanUp() }
        let created = try await setup.run("create-order", Events.createOrder(id: "EMF-4"))
        let attempt = try #require(Self.lines("webhook_delivery", in: created).first, "\(created.standardError)")
        #expect(attempt["Outcome"] as? String == "failed")
        #expect(attempt["EventsDead"] == nil)

        // Its retry is an hour away: the run delivers nothing, and reports the event as waiting.
        let waiting = try await setup.run("dispatch-events", Data(Events.scheduledEvent.utf8))
        let run = try #require(Self.lines("dispatch_run", in: waiting).first, "\(waiting.standardError)")
        #expect(Self.declared(run) == ["OldestPendingEventAge Seconds []"])
        let age = try #require(run["OldestPendingEventAge"] as? Double)
        #expect(age > 0 && age < 60)
        #expect(run["oldest_pending_at"] is String)
        await receiver.stop()

        // With no event waiting, the age is 0, so the alarm's line falls back rather than stopping.
        let empty = try EventDeliveryTests.Setup(url: receiver.url)
        defer { empty.cleanUp() }
        let idle = try await empty.run("dispatch-events", Data(Events.scheduledEvent.utf8))
        let none = try #require(Self.lines("dispatch_run", in: idle).first, "\(idle.standardError)")
        #expect(none["OldestPendingEventAge"] as? Double == 0)
        #expect(none["oldest_pending_at"] == nil)
    }
}
