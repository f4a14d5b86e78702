import Foundation
import Testing

/// `local-gateway generate-event`: the event `start-api` would send, made by the gateway's own routing, authorizer
/// and event builder, so that `invoke` with it answers as the served request does.
@Suite("End to end: generate-event", .serialized)
struct GenerateEventEndToEndTests {
    static var template: String { Paths.packageRoot.appendingPathComponent("template.yaml").path }

    /// `generate-event` with `arguments` against the service's template and the development identity of `data`.
    static func generate(_ arguments: [String], data: URL, input: Data? = nil) throws -> (
        status: Int32, output: String, error: String
    ) {
        try CommandTests.run(
            ["generate-event", "--template", template, "--data-dir", data.path] + arguments, input: input)
    }

    @Test("the event, fed to invoke, gets the answer the same request gets through start-api")
    func sameAnswer() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let gateway = try GatewayProcess([
            "--template", Self.template, "--functions-dir", Paths.binaries.path, "--data-dir", data.path,
        ])
        defer { gateway.stop() }
        let token = try DevelopmentTokens.token(dataDirectory: data, sub: "event-maker")
        let client = HTTPClient(port: gateway.port, token: token)
        let order = try JSONSerialization.data(withJSONObject: Orders.create(id: "GEN-1"))
        #expect(try await client.send("POST", "/order", body: order).status == 201)
        let served = try await client.send("GET", "/order/GEN-1")
        #expect(served.status == 200)

        let generated = try Self.generate(
            ["--method", "GET", "--path", "/order/GEN-1", "--header", "Accept: application/json", "--token", token],
            data: data)
        #expect(generated.status == 0, "\(generated.error)")
        #expect(generated.error.contains("GET /order/{id} reaches GetOrderFunction"))
        let event = try #require(
            try JSONSerialization.jsonObject(with: Data(generated.output.utf8)) as? [String: Any])
        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "GET /order/{id}")
        #expect(event["pathParameters"] as? [String: String] == ["id": "GEN-1"])
        #expect((event["headers"] as? [String: String])?["accept"] == "application/json")
        let context = try #require(event["requestContext"] as? [String: Any])
        let claims = ((context["authorizer"] as? [String: Any])?["jwt"] as? [String: Any])?["claims"]
        #expect((claims as? [String: String])?["sub"] == "event-maker")

        let invoked = try CommandTests.run(
            ["invoke", "GetOrderFunction", "--event", "-", "--data-dir", data.path] + CommandTests.serviceOptions,
            input: Data(generated.output.utf8))
        #expect(invoked.status == 0, "\(invoked.error)")
        let response = try #require(
            try JSONSerialization.jsonObject(with: Data(invoked.output.utf8)) as? [String: Any])
        #expect(response["statusCode"] as? Int == served.status)
        let body = try #require((response["body"] as? String).map { Data($0.utf8) })
        #expect(
            try JSONSerialization.jsonObject(with: body) as? NSDictionary
                == JSONSerialization.jsonObject(with: served.body) as? NSDictionary)
        let headers = response["headers"] as? [String: String] ?? [:]
        #expect(headers.first { $0.key.lowercased() == "etag" }?.value == served.header("ETag"))
    }

    @Test("a body from standard input and a query string are in the event as the gateway puts them")
    func bodyAndQuery() throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let token = try DevelopmentTokens.token(dataDirectory: data)
        let generated = try Self.generate(
            [
                "--method", "post", "--path", "/order?dry=1", "--query", "note=a+b", "--body", "-",
                "--header", "Content-Type: application/json", "--token", token,
            ], data: data, input: Data(#"{"id":"GEN-2"}"#.utf8))
        #expect(generated.status == 0, "\(generated.error)")
        let event = try #require(
            try JSONSerialization.jsonObject(with: Data(generated.output.utf8)) as? [String: Any])
        #expect(event["routeKey"] as? String == "POST /order")
        #expect(event["rawQueryString"] as? String == "dry=1&note=a+b")
        #expect(event["queryStringParameters"] as? [String: String] == ["dry": "1", "note": "a b"])
        #expect(event["body"] as? String == #"{"id":"GEN-2"}"#)
        #expect((event["headers"] as? [String: String])?["content-length"] == "14")
    }

    @Test(
        "a request the gateway answers itself is an error saying what it answers",
        arguments: [
            (["--path", "/nowhere"], "404"),
            (["--path", "/order/1", "--token", "not-a-token"], "401"),
            (["--path", "/order/1"], "401"),
            (["--method", "DELETE", "--path", "/order/1"], "405"),
        ])
    func answeredByTheGateway(arguments: [String], status: String) throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let generated = try Self.generate(arguments, data: data)
        #expect(generated.status != 0)
        #expect(generated.output.isEmpty)
        #expect(generated.error.contains("the gateway answers"), "\(generated.error)")
        #expect(generated.error.contains("itself, and no function runs: \(status)"), "\(generated.error)")
    }

    @Test("a token without the route's scope is refused as start-api refuses it")
    func missingScope() throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let token = try DevelopmentTokens.token(dataDirectory: data, scope: "orders/read")
        let generated = try Self.generate(["--method", "POST", "--path", "/order", "--token", token], data: data)
        #expect(generated.status != 0)
        #expect(generated.error.contains("403"), "\(generated.error)")
        #expect(generated.error.contains("insufficient_scope"), "\(generated.error)")
    }
}
