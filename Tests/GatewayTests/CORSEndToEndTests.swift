import Foundation
import Testing

@testable import LocalGateway

/// The built `local-gateway` serving the service's `template.yaml`, its `CorsConfiguration` allowing one storefront
/// origin through `--parameter-overrides AllowedOrigins=…`: browsers get what API Gateway HTTP APIs give them.
@Suite("End to end: CORS", .serialized)
struct CORSEndToEndTests {
    static let storefront = "https://shop.test"

    @Test(
        "a preflight is answered by the gateway alone; answers to the storefront carry its grant, others none",
        arguments: GatewayMode.allCases)
    func cors(mode: GatewayMode) async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let gateway = try GatewayProcess(
            [
                "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
                "--functions-dir", Paths.binaries.path, "--data-dir", data.path,
                "--parameter-overrides", "AllowedOrigins=\(Self.storefront),http://localhost:5173",
            ] + mode.arguments)
        defer { gateway.stop() }
        let anonymous = HTTPClient(port: gateway.port)

        // No token: a preflight never reaches the authorizer, nor any function.
        let preflight = try await anonymous.send(
            "OPTIONS", "/order",
            headers: [
                "Origin": Self.storefront, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
            ])
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == Self.storefront)
        #expect(preflight.header("access-control-allow-methods") == "GET,POST,PUT,OPTIONS")
        #expect(
            preflight.header("access-control-allow-headers")
                == "authorization,content-type,if-match,if-none-match,idempotency-key")
        #expect(preflight.header("access-control-max-age") == "600")

        let elsewhere = try await anonymous.send(
            "OPTIONS", "/order/{id}/status".replacingOccurrences(of: "{id}", with: "X"),
            headers: ["Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"])
        #expect(elsewhere.status == 204)
        #expect(elsewhere.header("access-control-allow-origin") == nil)
        #expect(elsewhere.header("access-control-allow-methods") == nil)

        let requests = await gateway.logLines("request", waitingFor: 2)
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0["function"] == nil && $0["status"] as? Int == 204 }, "\(requests)")
        #expect(gateway.logLines("request refused").isEmpty)
        #expect(gateway.logLines("invocation").isEmpty)

        let client = HTTPClient(port: gateway.port, token: try DevelopmentTokens.token(dataDirectory: data))
        let order = try JSONSerialization.data(withJSONObject: Orders.create(id: "CORS-1"))
        let created = try await client.send("POST", "/order", body: order, headers: ["Origin": Self.storefront])
        #expect(created.status == 201)
        #expect(created.header("access-control-allow-origin") == Self.storefront)
        #expect(created.header("access-control-expose-headers") == "etag,location")

        let read = try await client.send("GET", "/order/CORS-1", headers: ["Origin": "https://evil.test"])
        #expect(read.status == 200)
        #expect(read.header("access-control-allow-origin") == nil)
        #expect(read.header("access-control-expose-headers") == nil)

        // The authorizer's refusal goes to the storefront with its grant, so the page can read the 401.
        let refused = try await anonymous.send("GET", "/order/CORS-1", headers: ["Origin": Self.storefront])
        #expect(refused.status == 401)
        #expect(refused.header("access-control-allow-origin") == Self.storefront)
    }
}
