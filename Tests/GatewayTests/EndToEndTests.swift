import Foundation
import Testing

/// The built `local-gateway` over real sockets, serving the service's own `template.yaml` and the built functions.
/// Each test runs in both modes: a process per request, and `--warm`, the functions' own Runtime API loop.
@Suite("End to end: the order service through the gateway", .serialized)
struct OrderServiceEndToEndTests {
    /// A gateway for one test, with an empty data directory and its authorizer on, and a client that sends a token
    /// with every scope from its development identity; the caller stops it and removes `data`.
    static func start(_ mode: GatewayMode) throws -> (data: URL, gateway: GatewayProcess, client: HTTPClient) {
        let data = try Paths.temporaryDirectory()
        let gateway = try GatewayProcess(
            [
                "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
                "--functions-dir", Paths.binaries.path, "--data-dir", data.path, "--max-concurrency", "8",
            ] + mode.arguments)
        let token = try DevelopmentTokens.token(dataDirectory: data)
        return (data, gateway, HTTPClient(port: gateway.port, token: token))
    }

    @Test(
        "a webhook that never answers delays no client: with one slot, a read is answered while a create delivers",
        arguments: GatewayMode.allCases)
    func hangingWebhook(mode: GatewayMode) async throws {
        let webhook = try SilentWebhook()
        let data = try Paths.temporaryDirectory()
        let variables = data.appendingPathComponent("env-vars.json")
        try JSONSerialization.data(withJSONObject: [
            "Parameters": ["ORDER_WEBHOOK_URL": webhook.url, "ORDER_WEBHOOK_TIMEOUT_MS": "30000"]
        ]).write(to: variables)
        // The service's template, with a function timeout of a minute: the create's attempt then lasts the webhook's
        // 30 s, and the read has that long to be answered however slow the machine is.
        let template = data.appendingPathComponent("template.yaml")
        let original = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("template.yaml"), encoding: .utf8)
        #expect(original.contains("\n    Timeout: 10\n"), "the template's Globals timeout moved; update this test")
        try original.replacingOccurrences(of: "\n    Timeout: 10\n", with: "\n    Timeout: 60\n")
            .write(to: template, atomically: true, encoding: .utf8)
        let gateway = try GatewayProcess(
            [
                "--template", template.path,
                "--functions-dir", Paths.binaries.path, "--data-dir", data.appendingPathComponent("orders").path,
                "--env-vars", variables.path, "--max-concurrency", "1",
            ] + mode.arguments)
        let token = try DevelopmentTokens.token(dataDirectory: data.appendingPathComponent("orders"))
        let client = HTTPClient(port: gateway.port, token: token)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }

        let created = try await client.send("POST", "/order", json: Orders.create(id: "HANG-1"))
        #expect(created.status == 201, "\(created.text)")
        let read = try await client.send("GET", "/order/HANG-1")
        #expect(read.status == 200)
        let answered = Date()
        // Both answers came while the create's attempt still waited for the webhook: any outcome it has logged was
        // logged after them.
        let timestamps = ISO8601DateFormatter()
        timestamps.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for line in gateway.logLines("webhook_delivery") {
            let ended = try #require((line["time"] as? String).flatMap(timestamps.date(from:)), "\(line)")
            #expect(ended > answered, "the create's delivery ended before the answers: \(line)")
        }
    }

    @Test(
        "every route: create, update both ways, read; one access-log line per request",
        arguments: GatewayMode.allCases)
    func everyRoute(mode: GatewayMode) async throws {
        let (data, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let created = try await client.send("POST", "/order", json: Orders.create(id: "E2E-1"))
        #expect(created.status == 201, "\(created.text)")
        #expect(created.header("Location") == "/order/E2E-1")
        #expect(created.json["amount"] as? Int == 20)

        let confirmed = try await client.send("PUT", "/order", json: ["id": "E2E-1", "status": "confirmed"])
        #expect(confirmed.status == 200, "\(confirmed.text)")
        #expect(confirmed.json["status"] as? String == "confirmed")

        let sent = try await client.send("PUT", "/order/E2E-1/status", json: ["status": "sent_to_warehouse"])
        #expect(sent.status == 200, "\(sent.text)")
        #expect(sent.header("ETag") == "\"3\"")

        let read = try await client.send("GET", "/order/E2E-1")
        #expect(read.status == 200)
        #expect(read.json["version"] as? Int == 3)
        let notModified = try await client.send("GET", "/order/E2E-1", headers: ["If-None-Match": "\"3\""])
        #expect(notModified.status == 304)

        let missing = try await client.send("GET", "/order/NOPE")
        #expect(missing.status == 404)
        #expect(missing.json["code"] as? String == "order_not_found")

        let access = gateway.logLines("request")
        #expect(access.count == 6)
        for line in access {
            for key in ["method", "path", "status", "function", "duration_ms", "request_id"] {
                #expect(line[key] != nil, "access line without \(key): \(line)")
            }
        }
        // The functions' own log lines come through the gateway's standard error too.
        #expect(await gateway.logLines("invocation", waitingFor: 6).count == 6)
    }

    @Test("the old service's curl examples work, amount corrected", arguments: GatewayMode.allCases)
    func oldReadmeFlow(mode: GatewayMode) async throws {
        let (data, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let body = try Data(contentsOf: Paths.fixtures.appendingPathComponent("bodies/old-readme-order.json"))
        var order = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        order["amount"] = 80
        order.removeValue(forKey: "status")
        order["id"] = 2
        let created = try await client.send(
            "POST", "/order", body: try JSONSerialization.data(withJSONObject: order),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json;"])
        #expect(created.status == 201, "\(created.text)")
        let updated = try await client.send("PUT", "/order", json: ["id": 2, "status": "confirmed"])
        #expect(updated.status == 200, "\(updated.text)")
        let read = try await client.send("GET", "/order/2")
        #expect(read.json["status"] as? String == "confirmed")
    }

    @Test(
        "gateway errors use the envelope: 404 route_not_found, 405 with Allow, 413 before any function",
        arguments: GatewayMode.allCases)
    func gatewayErrors(mode: GatewayMode) async throws {
        let (data, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let unknown = try await client.send("GET", "/no/such/route")
        #expect(unknown.status == 404)
        #expect(unknown.json["type"] as? String == "api_error")
        #expect(unknown.json["code"] as? String == "route_not_found")

        let wrongMethod = try await client.send("DELETE", "/order")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "POST, PUT")
        #expect(wrongMethod.json["code"] as? String == "method_not_allowed")

        let invocationsBefore = gateway.logLines("invocation").count
        let huge = try await client.send("POST", "/order", body: Data(repeating: 0x20, count: 1024 * 1024 + 1))
        #expect(huge.status == 413)
        #expect(huge.json["code"] as? String == "payload_too_large")
        #expect(gateway.logLines("invocation").count == invocationsBefore)
    }

    @Test(
        "GET /openapi.yaml serves the description beside the template, as YAML; other methods are 405",
        arguments: GatewayMode.allCases)
    func openAPIDescription(mode: GatewayMode) async throws {
        let (data, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let served = try await client.send("GET", "/openapi.yaml")
        #expect(served.status == 200)
        #expect(served.header("Content-Type") == "application/yaml")
        #expect(served.body == (try Data(contentsOf: Paths.packageRoot.appendingPathComponent("openapi.yaml"))))

        let posted = try await client.send("POST", "/openapi.yaml", json: [:])
        #expect(posted.status == 405)
        #expect(posted.header("Allow") == "GET")
        #expect(posted.json["code"] as? String == "method_not_allowed")
    }

    @Test("50 parallel creates all succeed", arguments: GatewayMode.allCases)
    func parallelCreates(mode: GatewayMode) async throws {
        let (data, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await client.send("POST", "/order", json: Orders.create(id: "PAR-\(index)")).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 201, count: 50))
    }

    @Test(
        "20 parallel updates of one order are serialized: no lost update, a consistent final version",
        arguments: GatewayMode.allCases)
    func parallelUpdates(mode: GatewayMode) async throws {
        let (data, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: data)
        }
        #expect(try await client.send("POST", "/order", json: Orders.create(id: "RACE-GW")).status == 201)
        let flow = ["confirmed", "sent_to_warehouse", "shipped", "in_transit", "delivered"]
        let answers = try await withThrowingTaskGroup(of: HTTPClient.Response.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await client.send("PUT", "/order/RACE-GW/status", json: ["status": flow[index % flow.count]])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.status == 200 || $0.status == 409 }, "\(answers.map(\.status))")
        // Each version was produced by exactly one change.
        var changeTimes: [Int: Set<String>] = [:]
        for answer in answers where answer.status == 200 {
            let version = answer.json["version"] as? Int ?? 0
            changeTimes[version, default: []].insert(answer.json["updated_at"] as? String ?? "")
        }
        #expect(changeTimes.values.allSatisfy { $0.count == 1 }, "\(changeTimes)")

        let final = try await client.send("GET", "/order/RACE-GW")
        let version = try #require(final.json["version"] as? Int)
        let history = (final.json["status_history"] as? [[String: Any]])?.compactMap { $0["status"] as? String } ?? []
        #expect(history.count == version)
        #expect(history == Array((["pending_confirmation"] + flow).prefix(version)))
        #expect(version == 1 + changeTimes.keys.filter { $0 > 1 }.count)
    }
}

/// The built `local-gateway` with `fixtures/gateway/template.yaml`: functions that misbehave on purpose.
/// In warm mode the same scripts run behind `runtime-loop.sh`, a Runtime API loop in shell.
@Suite("End to end: misbehaving functions", .serialized)
struct MisbehavingFunctionTests {
    /// A gateway for one test; the caller stops it and removes `functions`.
    static func start(_ mode: GatewayMode) throws -> (functions: URL, gateway: GatewayProcess, client: HTTPClient) {
        let functions = try Paths.testFunctionsDirectory(for: mode)
        let gateway = try GatewayProcess(
            [
                "--template", Paths.gatewayFixtures.appendingPathComponent("template.yaml").path,
                "--functions-dir", functions.path, "--data-dir", "/tmp/gateway-test-data",
                "--env-vars", Paths.gatewayFixtures.appendingPathComponent("env-vars.json").path,
            ] + mode.arguments)
        return (functions, gateway, HTTPClient(port: gateway.port))
    }

    @Test("a function past its timeout is killed and answered 504", arguments: GatewayMode.allCases)
    func timeout(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let started = Date()
        let response = try await client.send("GET", "/slow")
        #expect(response.status == 504)
        #expect(response.json["code"] as? String == "gateway_timeout")
        // Its child process (sleep 120) was killed with it, or the answer would wait for it. The bound is far from
        // the 1 s timeout and far from the 120 s sleep, so a busy machine cannot make it fail.
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test("a function that prints garbage is answered 502", arguments: GatewayMode.allCases)
    func garbage(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let response = try await client.send("GET", "/garbage")
        #expect(response.status == 502)
        #expect(response.json["code"] as? String == "bad_gateway")
        #expect(gateway.log.contains("this is not JSON"))
    }

    @Test(
        "a function that exits non-zero is answered 502, its stderr in the gateway's log",
        arguments: GatewayMode.allCases)
    func crash(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let response = try await client.send("GET", "/crash")
        #expect(response.status == 502)
        #expect(response.json["code"] as? String == "bad_gateway")
        #expect(gateway.log.contains("crash: failing on purpose"))
    }

    @Test(
        "payload 2.0 without statusCode is inferred: the event comes back as a 200 JSON body",
        arguments: GatewayMode.allCases)
    func inferredResponse(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let response = try await client.send("POST", "/echo/a%20b/c?x=1&x=2", body: Data(#"{"k":"v"}"#.utf8))
        #expect(response.status == 200)
        let event = response.json
        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "ANY /echo/{proxy+}")
        #expect(event["pathParameters"] as? [String: String] == ["proxy": "a b/c"])
        #expect(event["queryStringParameters"] as? [String: String] == ["x": "1,2"])
        #expect(event["body"] as? String == #"{"k":"v"}"#)
        let context = try #require(event["requestContext"] as? [String: Any])
        #expect((context["http"] as? [String: Any])?["sourceIp"] as? String == "127.0.0.1")

        let item = try await client.send("GET", "/echo/items/42")
        #expect(item.json["routeKey"] as? String == "GET /echo/items/{id}")
        #expect(item.json["pathParameters"] as? [String: String] == ["id": "42"])
    }

    @Test(
        "an Api route gets payload 1.0; base64 bodies and multi-value headers come back",
        arguments: GatewayMode.allCases)
    func payloadV1(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let response = try await client.send("GET", "/v1/echo/7?tag=a&tag=b")
        #expect(response.status == 200)
        let event = response.json
        #expect(event["resource"] as? String == "/v1/echo/{id}")
        #expect(event["httpMethod"] as? String == "GET")
        #expect(event["multiValueQueryStringParameters"] as? [String: [String]] == ["tag": ["a", "b"]])
        #expect(event["pathParameters"] as? [String: String] == ["id": "7"])
        #expect(response.header("X-Multi") == "a, b" || response.header("X-Multi") == "a,b")
    }

    @Test(
        "events carry the client's Host, and domainName from it; an HttpApi route at payload 1.0 says so, stage $default",
        arguments: GatewayMode.allCases)
    func eventsAsAPIGatewaySendsThem(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let host = "127.0.0.1:\(gateway.port)"
        let v2 = try await client.send("GET", "/echo/items/1").json
        #expect((v2["headers"] as? [String: String])?["host"] == host)
        let v2Context = try #require(v2["requestContext"] as? [String: Any])
        #expect(v2Context["domainName"] as? String == "127.0.0.1")

        func v1Event(_ path: String) async throws -> [String: Any] {
            let response = try await client.send("GET", path)
            return try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        }
        let http = try await v1Event("/v1-http/echo/7")
        #expect(http["version"] as? String == "1.0")
        #expect(http["resource"] as? String == "/v1-http/echo/{id}")
        #expect((http["headers"] as? [String: String])?["Host"] == host)
        let httpContext = try #require(http["requestContext"] as? [String: Any])
        #expect(httpContext["stage"] as? String == "$default")
        #expect(httpContext["domainName"] as? String == "127.0.0.1")

        // A REST API's event names no version, and SAM's stage.
        let rest = try await v1Event("/v1/echo/7")
        #expect(rest["version"] == nil)
        #expect((rest["requestContext"] as? [String: Any])?["stage"] as? String == "Prod")
    }

    @Test("warm: another process that calls a worker's Runtime API is refused and gets no event; the worker does")
    func runtimeAPIOnlyForItsWorker() async throws {
        let (functions, gateway, client) = try Self.start(.warm)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        // The worker's handler reports its endpoint; the worker is then back in invocation/next.
        let endpoint = try #require(try await client.send("GET", "/env").json["AWS_LAMBDA_RUNTIME_API"] as? String)
        #expect(endpoint.hasPrefix("127.0.0.1:"))

        // A second process, not the worker's, asks for the next invocation, as any local user could.
        let intruder = Process()
        intruder.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        intruder.arguments = [
            "-sS", "-m", "8", "-D", "-", "http://\(endpoint)/2018-06-01/runtime/invocation/next",
        ]
        let output = Pipe()
        intruder.standardOutput = output
        intruder.standardError = FileHandle.nullDevice
        try intruder.run()
        try await Task.sleep(for: .milliseconds(500))

        // The next request is the worker's to answer, not the intruder's.
        let response = try await client.send("GET", "/env", headers: ["Authorization": "Bearer secret-token"])
        #expect(response.status == 200, "\(response.text)")
        #expect(response.json["AWS_LAMBDA_FUNCTION_NAME"] as? String == "EnvReportFunction")

        intruder.waitUntilExit()
        let taken = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(intruder.terminationStatus != 0, "the intruder was answered: \(taken)")
        #expect(!taken.lowercased().contains("lambda-runtime-aws-request-id"), "\(taken)")
        #expect(!taken.contains("secret-token"))
        #expect(!gateway.logLines("runtime api connection refused").isEmpty)
    }

    @Test(
        "--env-vars overrides the template; Lambda's variables are set; cookies become Set-Cookie",
        arguments: GatewayMode.allCases)
    func environment(mode: GatewayMode) async throws {
        let (functions, gateway, client) = try Self.start(mode)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let response = try await client.send("GET", "/env")
        #expect(response.status == 200, "\(response.text)")
        let variables = response.json
        #expect(variables["GREETING"] as? String == "from-env-vars")
        #expect(variables["ORDER_DATA_DIR"] as? String == "/tmp/from-env-vars")
        #expect(variables["FUNCTION_ONLY"] as? String == "us-east-1-only")
        #expect(variables["AWS_LAMBDA_FUNCTION_NAME"] as? String == "EnvReportFunction")
        #expect(variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] as? String == "512")
        #expect(variables["AWS_LAMBDA_FUNCTION_TIMEOUT"] as? String == "5")
        #expect(variables["AWS_LAMBDA_FUNCTION_VERSION"] as? String == "$LATEST")
        #expect(variables["AWS_SAM_LOCAL"] as? String == "true")
        #expect(response.header("Set-Cookie")?.contains("a=1") == true)
        #expect(gateway.log.contains("env-report ran"))

        let echo = try await client.send("GET", "/echo/items/1")
        #expect(echo.status == 200)
    }
}

/// The command's other behaviours: `invoke`, start-up checks, graceful shutdown.
@Suite("End to end: the command", .serialized)
struct CommandTests {
    static func run(_ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String, error: String)
    {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = Paths.binaries.appendingPathComponent("local-gateway")
        process.arguments = arguments
        let outputFile = directory.appendingPathComponent("out")
        let errorFile = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        if let input {
            let inputFile = directory.appendingPathComponent("in")
            try input.write(to: inputFile)
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
        }
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, try String(contentsOf: outputFile, encoding: .utf8),
            try String(contentsOf: errorFile, encoding: .utf8)
        )
    }

    static var serviceOptions: [String] {
        [
            "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path, "--functions-dir",
            Paths.binaries.path,
        ]
    }

    @Test("invoke runs one function once with an event file, or with - for standard input")
    func invoke() throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let event = Paths.fixtures.appendingPathComponent("events/v2/get-order.json")
        let fromFile = try Self.run(
            ["invoke", "get-order", "--event", event.path, "--data-dir", data.path] + Self.serviceOptions)
        #expect(fromFile.status == 0, "\(fromFile.error)")
        let response = try #require(
            try JSONSerialization.jsonObject(with: Data(fromFile.output.utf8)) as? [String: Any])
        #expect(response["statusCode"] as? Int == 404)

        let fromStandardInput = try Self.run(
            ["invoke", "GetOrderFunction", "--event", "-", "--data-dir", data.path] + Self.serviceOptions,
            input: try Data(contentsOf: event))
        #expect(fromStandardInput.status == 0, "\(fromStandardInput.error)")
        #expect(fromStandardInput.output.contains(#""statusCode":404"#))

        let unknown = try Self.run(["invoke", "no-such-function", "--event", event.path] + Self.serviceOptions)
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("no-such-function"))
    }

    @Test("start-up fails, naming them, when function executables are not built", arguments: GatewayMode.allCases)
    func missingExecutables(mode: GatewayMode) throws {
        let empty = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try Self.run(
            [
                "start-api", "--port", "0", "--template",
                Paths.packageRoot.appendingPathComponent("template.yaml").path, "--functions-dir", empty.path,
            ] + mode.arguments)
        #expect(result.status != 0)
        for function in ["CreateOrderFunction", "UpdateOrderStatusFunction", "GetOrderFunction"] {
            #expect(result.error.contains(function), "\(result.error)")
        }
    }

    @Test("start-up fails, naming it, when the OpenAPI description given cannot be read")
    func unreadableOpenAPIDescription() throws {
        let result = try Self.run(
            ["start-api", "--port", "0", "--openapi", "/nonexistent/openapi.yaml"] + Self.serviceOptions)
        #expect(result.status != 0)
        #expect(result.error.contains("/nonexistent/openapi.yaml"), "\(result.error)")
    }

    @Test("SIGTERM lets a request in flight finish, then the gateway exits 0", arguments: GatewayMode.allCases)
    func gracefulShutdown(mode: GatewayMode) async throws {
        let functions = try Paths.testFunctionsDirectory(for: mode)
        defer { try? FileManager.default.removeItem(at: functions) }
        let gateway = try GatewayProcess(
            [
                "--template", Paths.gatewayFixtures.appendingPathComponent("template.yaml").path,
                "--functions-dir", functions.path,
            ] + mode.arguments)
        let client = HTTPClient(port: gateway.port)
        async let inFlight = client.send("GET", "/sleepy")
        // SIGTERM once the function runs: before, the request might not even have reached the gateway.
        #expect(await gateway.logLines("sleepy started", waitingFor: 1).count == 1)
        gateway.process.terminate()
        let response = try await inFlight
        #expect(response.status == 200)
        #expect(response.text == "slept")
        #expect(gateway.stop() == 0)
        #expect(gateway.logLines("stopped").count == 1)
    }
}
