import Foundation
import Testing

/// Redelivery and the events across orders, with the real executables and a real receiver on loopback.
@Suite("Redelivery end to end", .serialized)
struct RedeliveryProcessTests {
    typealias Setup = EventDeliveryTests.Setup

    /// `GET /events?state=…` through `list-events`: the answer's body.
    static func listEvents(_ state: String, in setup: Setup) async throws -> [String: Any] {
        let event = try Events.event(method: "GET", path: "/events", pathParameters: [:], body: nil)
        var json = try #require(try JSONSerialization.jsonObject(with: event) as? [String: Any])
        json["rawQueryString"] = "state=\(state)"
        json["queryStringParameters"] = ["state": state]
        let response = try Events.response(
            await setup.run("list-events", try JSONSerialization.data(withJSONObject: json)))
        #expect(response.statusCode == 200)
        return response.body
    }

    static func redeliver(_ eventID: String, of id: String, in setup: Setup) async throws -> Events.Response {
        try Events.response(
            await setup.run(
                "redeliver-event",
                Events.event(
                    method: "POST", path: "/order/\(id)/events/\(eventID)/redeliver",
                    pathParameters: ["id": id, "event_id": eventID], body: nil)))
    }

    static func delivery(_ event: [String: Any]) -> [String: Any] { event["delivery"] as? [String: Any] ?? [:] }

    @Test("a redelivered dead event goes out again under its id, before its order's later pending events")
    func perOrderOrder() async throws {
        let receiver = try await WebhookReceiver()
        // The first event is refused for good; the second fails once; the redelivered first fails once more.
        receiver.script([.init(status: 410), .init(status: 500), .init(status: 500)])
        let setup = try Setup(url: receiver.url, extra: ["ORDER_WEBHOOK_RETRY_SCHEDULE": "0s,0s,0s"])
        defer { setup.cleanUp() }

        #expect(try await setup.create("RED-1").statusCode == 201)
        #expect(try await setup.update("RED-1", to: "confirmed").statusCode == 200)
        let before = try await setup.events("RED-1")
        let ids = before.compactMap { $0["id"] as? String }
        #expect(before.map { Self.delivery($0)["state"] as? String } == ["dead", "pending"])
        let dead = try await Self.listEvents("dead", in: setup)
        #expect((dead["events"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])

        let answer = try await Self.redeliver(ids[0], of: "RED-1", in: setup)
        #expect(answer.statusCode == 202)
        #expect(answer.body["id"] as? String == ids[0])
        #expect(Self.delivery(answer.body)["state"] as? String == "pending")
        // Its attempt right after the answer failed, and held the later event back: it was not sent.
        try await receiver.waitForRequests(3)
        #expect(receiver.received.map(\.eventID) == [ids[0], ids[1], ids[0]])
        let letters = try FileManager.default.contentsOfDirectory(
            atPath: setup.data.appendingPathComponent("dead-letters").path)
        #expect(letters.isEmpty, "the dead letter goes once the event is pending again")

        let summary = try await setup.dispatch()
        #expect(summary["delivered"] as? Int == 2)
        await receiver.stop()
        #expect(receiver.received.map(\.eventID).suffix(2) == [ids[0], ids[1]])
        #expect(receiver.received.map(\.version).suffix(2) == [1, 2])

        let after = try await setup.events("RED-1")
        #expect(after.map { Self.delivery($0)["state"] as? String } == ["delivered", "delivered"])
        let rounds = try #require(Self.delivery(after[0])["earlier_rounds"] as? [[String: Any]])
        #expect(rounds.map { $0["state"] as? String } == ["dead"])
        #expect(rounds.first?["last_status"] as? Int == 410)
        #expect(Self.delivery(after[0])["attempts"] as? Int == 2)

        let delivered = try await Self.listEvents("delivered", in: setup)
        #expect((delivered["events"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[1], ids[0]])
        #expect((try await Self.listEvents("dead", in: setup)["events"] as? [Any])?.isEmpty == true)
    }

    @Test("events across orders: newest first; bulk redelivery of the dead ones, delivered by dispatch-events")
    func acrossOrders() async throws {
        let receiver = try await WebhookReceiver()
        receiver.script([.init(status: 410), .init(status: 204), .init(status: 410)])
        let setup = try Setup(url: receiver.url)
        defer { setup.cleanUp() }
        for id in ["ACR-1", "ACR-2", "ACR-3"] {
            #expect(try await setup.create(id).statusCode == 201)
        }
        func orders(_ body: [String: Any]) -> [String] {
            (body["events"] as? [[String: Any]] ?? []).compactMap { $0["order_id"] as? String }
        }
        #expect(orders(try await Self.listEvents("dead", in: setup)) == ["ACR-3", "ACR-1"])
        #expect(orders(try await Self.listEvents("delivered", in: setup)) == ["ACR-2"])

        let bulk = try Events.response(
            await setup.run(
                "redeliver-events",
                Events.event(method: "POST", path: "/events/redeliver", pathParameters: [:], body: ["state": "dead"])))
        #expect(bulk.statusCode == 202)
        #expect(bulk.body["redelivered"] as? Int == 2)
        #expect(bulk.body["more"] as? Bool == false)
        #expect(orders(try await Self.listEvents("pending", in: setup)) == ["ACR-3", "ACR-1"])

        #expect(try await setup.dispatch()["delivered"] as? Int == 2)
        await receiver.stop()
        #expect(orders(try await Self.listEvents("delivered", in: setup)) == ["ACR-3", "ACR-2", "ACR-1"])
        #expect(orders(try await Self.listEvents("pending", in: setup)).isEmpty)
    }
}
