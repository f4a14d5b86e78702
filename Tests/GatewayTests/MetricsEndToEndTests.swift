import Foundation
import Testing

/// `GET /metrics` from the built `local-gateway` serving the service's `template.yaml`, over a real socket, in both
/// modes.
@Suite("End to end: the gateway's metrics", .serialized)
struct MetricsEndToEndTests {
    @Test(
        "requests, invocations and, warm, the pools are counted; /metrics answers loopback without a token",
        arguments: GatewayMode.allCases)
    func scrape(mode: GatewayMode) async throws {
        let (data, gateway, client) = try OrderServiceEndToEndTests.start(mode)
        defer {
            _ = gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        #expect(try await client.send("POST", "/order", json: Orders.create(id: "MET-1")).status == 201)
        #expect(try await client.send("GET", "/order/MET-1").status == 200)
        #expect(try await client.send("GET", "/order/MET-404").status == 404)

        let scrape = try await HTTPClient(port: gateway.port).send("GET", "/metrics")
        #expect(scrape.status == 200, "\(scrape.text)")
        #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let figures = PrometheusText(scrape.text)
        #expect(figures.unreadable.isEmpty, "\(figures.unreadable)")

        let create = ["route": "POST /order", "function": "CreateOrderFunction", "status": "201"]
        #expect(figures.value("gateway_requests_total", create) == 1, "\(scrape.text)")
        #expect(figures.value("gateway_requests_total", ["route": "GET /order/{id}", "status": "200"]) == 1)
        #expect(figures.value("gateway_requests_total", ["route": "GET /order/{id}", "status": "404"]) == 1)
        #expect(figures.value("gateway_request_duration_seconds_count", ["route": "GET /order/{id}"]) == 2)
        #expect(
            figures.value("function_invocations_total", ["function": "GetOrderFunction", "outcome": "ok"]) == 2)
        let created = try #require(
            figures.value("function_invocation_duration_seconds_sum", ["function": "CreateOrderFunction"]))
        #expect(created > 0)
        if mode == .warm {
            let workers = try #require(figures.value("warm_pool_workers", ["function": "GetOrderFunction"]))
            #expect(workers >= 1)
            #expect(figures.value("warm_pool_queued_invocations", ["function": "GetOrderFunction"]) == 0)
            #expect(figures.value("warm_pool_wait_seconds_count", ["function": "GetOrderFunction"]) == 2)
        } else {
            #expect(figures.value("warm_pool_workers") == nil)
        }

        // The scrape ran no function: its access line names none.
        let scrapes = gateway.logLines("request").filter { $0["path"] as? String == "/metrics" }
        #expect(scrapes.count == 1)
        #expect(scrapes.first?["function"] == nil)
    }
}
