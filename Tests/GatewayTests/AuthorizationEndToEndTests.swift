import Foundation
import Testing

@testable import LocalGateway

/// The built `local-gateway` serving the service's `template.yaml` with its authorizer on, over real sockets, with
/// tokens signed by test keys (`--jwks`), by its development identity, and with `--no-auth`.
@Suite("End to end: access control", .serialized)
struct AuthorizationEndToEndTests {
    static let issuer = "https://issuer.test/pool"

    /// A gateway trusting `keys`, for `issuer` and the audiences `order-service` and `warehouse-client`.
    static func start(_ mode: GatewayMode, keys: [TestKey], extra: [String] = []) throws
        -> (directory: URL, gateway: GatewayProcess)
    {
        let directory = try Paths.temporaryDirectory()
        let jwks = directory.appendingPathComponent("jwks.json")
        try Data(try TestKey.jwks(keys).utf8).write(to: jwks)
        let gateway = try GatewayProcess(
            [
                "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
                "--functions-dir", Paths.binaries.path, "--data-dir", directory.appendingPathComponent("data").path,
                "--jwks", jwks.path,
                "--parameter-overrides", "JwtIssuer=\(issuer) JwtAudience=order-service,warehouse-client",
            ] + extra + mode.arguments)
        return (directory, gateway)
    }

    static func claims(_ overrides: [String: SignedClaims.Claim?]) -> [String: SignedClaims.Claim] {
        let now = Int64(Date().timeIntervalSince1970)
        var claims: [String: SignedClaims.Claim] = [
            "iss": .string(issuer), "aud": .string("order-service"), "iat": .number(now - 5),
            "exp": .number(now + 600),
        ]
        for (name, value) in overrides { claims[name] = value }
        return claims
    }

    @Test(
        "tokens signed by the issuer's keys: refusals as API Gateway answers them, and every change names its actor",
        arguments: GatewayMode.allCases)
    func throughTheGateway(mode: GatewayMode) async throws {
        let current = try TestKey(kid: "2026-12")
        let previous = try TestKey(kid: "2026-11")
        let (directory, gateway) = try Self.start(mode, keys: [current, previous])
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        let client = HTTPClient(port: gateway.port)
        let order = try JSONSerialization.data(withJSONObject: Orders.create(id: "AUTH-1"))

        let anonymous = try await client.send("POST", "/order", body: order)
        #expect(anonymous.status == 401)
        #expect(anonymous.json["message"] as? String == "Unauthorized")
        #expect(anonymous.header("www-authenticate")?.hasPrefix(#"Bearer scope="" error="invalid_token""#) == true)

        let expired = try await current.sign(
            Self.claims([
                "sub": .string("alice"), "scope": .string("orders/create"),
                "exp": .number(Int64(Date().timeIntervalSince1970) - 1),
            ]))
        let late = try await client.send("POST", "/order", body: order, headers: ["Authorization": "Bearer \(expired)"])
        #expect(late.status == 401)
        #expect(late.header("www-authenticate")?.contains("the token has expired") == true)

        let otherAudience = try await current.sign(
            Self.claims(["sub": .string("alice"), "scope": .string("orders/create"), "aud": .string("another-api")]))
        let wrong = try await client.send("POST", "/order", body: order, headers: ["Authorization": otherAudience])
        #expect(wrong.status == 401)
        #expect(wrong.header("www-authenticate")?.contains("valid audience") == true)

        let reader = try await current.sign(Self.claims(["sub": .string("bob"), "scope": .string("orders/read")]))
        let forbidden = try await client.send(
            "POST", "/order", body: order, headers: ["Authorization": "Bearer \(reader)"])
        #expect(forbidden.status == 403)
        #expect(forbidden.json["message"] as? String == "Forbidden")
        #expect(forbidden.header("www-authenticate")?.contains(#"error="insufficient_scope""#) == true)

        let storefront = try await current.sign(
            Self.claims(["sub": .string("alice"), "scope": .string("orders/create orders/read")]))
        let created = try await client.send(
            "POST", "/order", body: order, headers: ["Authorization": "Bearer \(storefront)"])
        #expect(created.status == 201, "\(created.text)")

        // The warehouse: a Cognito machine client, with client_id and no aud or sub, signed with the older key.
        let warehouse = try await previous.sign(
            Self.claims([
                "aud": nil, "client_id": .string("warehouse-client"), "token_use": .string("access"),
                "scope": .string("orders/read orders/update-status"),
            ]))
        let confirmed = try await client.send(
            "PUT", "/order/AUTH-1/status", body: Data(#"{"status":"confirmed"}"#.utf8),
            headers: ["Authorization": "Bearer \(warehouse)"])
        #expect(confirmed.status == 200, "\(confirmed.text)")

        let read = try await client.send("GET", "/order/AUTH-1", headers: ["Authorization": "Bearer \(reader)"])
        #expect(read.status == 200)
        let history = try #require(read.json["status_history"] as? [[String: Any]])
        #expect(history.map { $0["actor"] as? String } == ["alice", "warehouse-client"])

        // The functions ran only for the three accepted requests, and their log lines name the actor.
        let invocations = await gateway.logLines("invocation", waitingFor: 3)
        #expect(invocations.compactMap { $0["actor"] as? String } == ["alice", "warehouse-client", "bob"])
        #expect(gateway.logLines("request refused").count == 4)
        for token in [expired, otherAudience, reader, storefront, warehouse] {
            #expect(!gateway.log.contains(token), "a token was logged")
        }
    }

    @Test("the development identity: local-gateway token gives tokens this data directory's gateway accepts, only")
    func developmentIdentity() async throws {
        let data = try Paths.temporaryDirectory()
        let elsewhere = try Paths.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: elsewhere)
        }
        let gateway = try GatewayProcess([
            "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
            "--functions-dir", Paths.binaries.path, "--data-dir", data.path,
        ])
        defer { gateway.stop() }
        #expect(gateway.logLines("authorizers trust the development identity").count == 1)
        let client = HTTPClient(port: gateway.port)

        let token = try DevelopmentTokens.token(dataDirectory: data, sub: "dana", scope: "orders/read")
        #expect(try await client.send("GET", "/orders", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        let stranger = try DevelopmentTokens.token(dataDirectory: elsewhere, sub: "dana", scope: "orders/read")
        let refused = try await client.send("GET", "/orders", headers: ["Authorization": "Bearer \(stranger)"])
        #expect(refused.status == 401)
        #expect(refused.header("www-authenticate")?.contains("kid") == true)

        let bad = try DevelopmentTokens.run(["token", "--data-dir", data.path, "--sub", "dana", "--ttl", "0"])
        #expect(bad.status != 0)
        #expect(bad.error.contains("--ttl"))
    }

    @Test("--no-auth: a warning at start, every route open, changes recorded without an actor")
    func noAuth() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let gateway = try GatewayProcess([
            "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
            "--functions-dir", Paths.binaries.path, "--data-dir", data.path, "--no-auth",
        ])
        defer { gateway.stop() }
        let warnings = gateway.log.split(separator: "\n").filter { $0.contains(#""level":"warn""#) }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("--no-auth") == true)

        let client = HTTPClient(port: gateway.port)
        let created = try await client.send("POST", "/order", json: Orders.create(id: "OPEN-1"))
        #expect(created.status == 201, "\(created.text)")
        let history = try #require(created.json["status_history"] as? [[String: Any]])
        #expect(history.first?["actor"] is NSNull)
        #expect(!FileManager.default.fileExists(atPath: DevelopmentIdentity.keyPath(dataDirectory: data.path)))
    }
}
