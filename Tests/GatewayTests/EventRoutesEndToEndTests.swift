import Foundation
import Testing

/// The operators' event routes through the gateway: their scopes, and their answers over HTTP.
@Suite("End to end: events across orders and redelivery through the gateway")
struct EventRoutesEndToEndTests {
    @Test(
        "a reader lists events across orders but redelivers nothing; an operator redelivers",
        arguments: GatewayMode.allCases)
    func scopesAndAnswers(mode: GatewayMode) async throws {
        let (data, gateway, client) = try OrderServiceEndToEndTests.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let reader = HTTPClient(
            port: gateway.port, token: try DevelopmentTokens.token(dataDirectory: data, scope: "orders/read"))
        let admin = HTTPClient(
            port: gateway.port, token: try DevelopmentTokens.token(dataDirectory: data, scope: "orders/admin"))
        #expect(try await client.send("POST", "/order", json: Orders.create(id: "EVR-1")).status == 201)
        #expect(try await client.send("POST", "/order", json: Orders.create(id: "EVR-2")).status == 201)

        // Without a webhook the events stay pending: newest first, a page at a time.
        let page = try await reader.send("GET", "/events?state=pending&limit=1")
        #expect(page.status == 200, "\(page.text)")
        let events = try #require(page.json["events"] as? [[String: Any]])
        #expect(events.map { $0["order_id"] as? String } == ["EVR-2"])
        let cursor = try #require(page.json["next_cursor"] as? String)
        let next = try await admin.send("GET", "/events?state=pending&limit=1&cursor=\(cursor)")
        #expect((next.json["events"] as? [[String: Any]])?.map { $0["order_id"] as? String } == ["EVR-1"])
        #expect(next.json["next_cursor"] is NSNull)

        let eventID = try #require(events.first?["id"] as? String)
        let path = "/order/EVR-2/events/\(eventID)/redeliver"
        #expect(try await reader.send("POST", path).status == 403)
        #expect(try await reader.send("POST", "/events/redeliver", json: ["state": "dead"]).status == 403)

        let redelivered = try await admin.send("POST", path)
        #expect(redelivered.status == 202, "\(redelivered.text)")
        #expect(redelivered.json["id"] as? String == eventID)
        #expect((redelivered.json["delivery"] as? [String: Any])?["state"] as? String == "pending")
        let unknown = try await admin.send("POST", "/order/EVR-2/events/evt_01JDQ3ZC8M6S9X2V5T7R4N1K0P/redeliver")
        #expect(unknown.status == 404)
        #expect(unknown.json["code"] as? String == "event_not_found")

        let bulk = try await admin.send("POST", "/events/redeliver", json: ["state": "dead"])
        #expect(bulk.status == 202, "\(bulk.text)")
        #expect(bulk.json["redelivered"] as? Int == 0)
        #expect(bulk.json["more"] as? Bool == false)
        let refused = try await admin.send("POST", "/events/redeliver", json: ["state": "pending"])
        #expect(refused.status == 400)
        #expect((refused.json["details"] as? [[String: Any]])?.first?["field"] as? String == "state")
    }
}
