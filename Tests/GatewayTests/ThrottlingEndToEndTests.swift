import Foundation
import Testing

@testable import LocalGateway

/// The built `local-gateway` serving the service's `template.yaml` with its routes' throttling made small through
/// `--parameter-overrides`: what API Gateway answers a client that sends more than a route allows.
@Suite("End to end: throttling", .serialized)
struct ThrottlingEndToEndTests {
    @Test("beyond its burst a route answers 429, tokens or none, and no function runs; other routes keep theirs")
    func throttled() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let gateway = try GatewayProcess([
            "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
            "--functions-dir", Paths.binaries.path, "--data-dir", data.path,
            "--parameter-overrides", "ApiThrottlingBurstLimit=2 ApiThrottlingRateLimit=0",
        ])
        defer { gateway.stop() }
        let anonymous = HTTPClient(port: gateway.port)
        let client = HTTPClient(port: gateway.port, token: try DevelopmentTokens.token(dataDirectory: data))

        // Each request takes a token, the one the authorizer refuses too.
        #expect(try await anonymous.send("GET", "/order/T-1").status == 401)
        #expect(try await client.send("GET", "/order/T-1").status == 404)
        let throttled = try await client.send("GET", "/order/T-1")
        #expect(throttled.status == 429)
        #expect(throttled.json["message"] as? String == "Too Many Requests")
        #expect(try await anonymous.send("GET", "/order/T-2").status == 429)

        // Another route has a bucket of its own.
        #expect(try await client.send("GET", "/orders").status == 200)

        let lines = gateway.logLines("request throttled")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0["route"] as? String == "GET /order/{id}" }, "\(lines)")
        let statuses = await gateway.logLines("request", waitingFor: 5).compactMap { $0["status"] as? Int }
        #expect(statuses == [401, 404, 429, 429, 200])
        let functions = gateway.logLines("request").filter { $0["status"] as? Int == 429 }.compactMap { $0["function"] }
        #expect(functions.isEmpty)
    }
}
