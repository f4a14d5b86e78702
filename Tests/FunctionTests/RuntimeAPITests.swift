import Foundation
import Testing

/// The handlers as Lambda custom runtimes (`bootstrap`), driven by a fake Runtime API.
@Suite("Runtime API conformance", .serialized)
struct RuntimeAPITests {
    /// Runs `function` as a runtime until it has sent `answers` requests back, then ends it as Lambda does, with
    /// SIGKILL; with `answers` nil, until it exits by itself. Returns the fake's record and the runtime's result.
    func serve(
        _ function: String, _ invocations: [FakeRuntimeAPI.Invocation], answers: Int?,
        environment: [String: String]
    ) async throws -> (FakeRuntimeAPI, FunctionProcess.Result) {
        let api = try await FakeRuntimeAPI(invocations: invocations)
        let runtime = try FunctionProcess.start(
            Paths.binaries.appendingPathComponent(function), input: Data(),
            environment: environment.merging(["AWS_LAMBDA_RUNTIME_API": api.endpoint]) { $1 })
        if let answers {
            try await api.waitForAnswers(answers)
            runtime.send(SIGKILL)
        }
        let result = try await runtime.wait()
        await api.stop()
        return (api, result)
    }

    @Test("one process serves several invocations, reports unreadable events and spent deadlines, and goes on")
    func invocations() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        // The create is sent to update-order-status on purpose: a runtime answers whatever it is given.
        let (api, result) = try await serve(
            "update-order-status",
            [
                .init(requestID: "req-1", event: try Events.createOrder(id: "RT-1")),
                .init(requestID: "req-2", event: Data("this is not an event".utf8)),
                .init(requestID: "req-3", event: try Events.updateStatus(id: "RT-1", status: "confirmed")),
                .init(
                    requestID: "req-4", event: try Events.updateStatus(id: "RT-1", status: "shipped"),
                    deadline: Date().addingTimeInterval(-1)),
                .init(requestID: "req-5", event: try Events.updateStatus(id: "RT-1", status: "shipped")),
            ], answers: 5, environment: ["ORDER_DATA_DIR": data.path])

        let answers = api.answers
        #expect(
            answers.map(\.path) == [
                "/2018-06-01/runtime/invocation/req-1/response",
                "/2018-06-01/runtime/invocation/req-2/error",
                "/2018-06-01/runtime/invocation/req-3/response",
                "/2018-06-01/runtime/invocation/req-4/error",
                "/2018-06-01/runtime/invocation/req-5/response",
            ])
        // A POST /order event reaching update-order-status has no id: a proxy response with a 400, not an error.
        #expect(answers[0].json["statusCode"] as? Int == 400)
        #expect(answers[1].headers["lambda-runtime-function-error-type"] == "Runtime.InvalidEvent")
        #expect(answers[1].json["errorType"] as? String == "Runtime.InvalidEvent")
        #expect(answers[1].json["errorMessage"] is String)
        #expect(answers[1].json["stackTrace"] is [Any])
        #expect(answers[2].json["statusCode"] as? Int == 404)  // RT-1 was never created
        #expect(answers[3].headers["lambda-runtime-function-error-type"] == "Function.DeadlineExceeded")
        #expect(answers[4].json["statusCode"] as? Int == 404)
        #expect(answers.allSatisfy { $0.headers["content-type"] == "application/json" })
        // The trace id reaches the logs.
        #expect(result.standardError.contains("\"trace_id\":\"Root=1-6743f1a2-2f9c0d1e3b4a5c6d7e8f9012;Sampled=1\""))
    }

    @Test("a full create, update and read through runtimes, answered in the events' payload version")
    func roundTrip() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        for (function, event) in [
            ("create-order", try Events.createOrder(id: "RT-2")),
            ("update-order-status", try Events.updateStatus(id: "RT-2", status: "confirmed")),
            ("get-order", try Events.getOrder(id: "RT-2")),
        ] {
            let (api, _) = try await serve(
                function, [.init(requestID: "req-\(function)", event: event)], answers: 1,
                environment: ["ORDER_DATA_DIR": data.path])
            let answer = try #require(api.answers.first)
            #expect(answer.path == "/2018-06-01/runtime/invocation/req-\(function)/response")
            #expect((answer.json["statusCode"] as? Int).map { (200..<300).contains($0) } == true, "\(function)")
        }
    }

    @Test(
        "a data directory that is not there is an init error, and the runtime exits",
        arguments: [
            "create-order", "get-order", "dispatch-events",
        ])
    func initFailure(function: String) async throws {
        let (api, result) = try await serve(
            function, [], answers: nil, environment: ["ORDER_DATA_DIR": "/nonexistent/efs/mount"])
        #expect(result.exitCode != 0)
        let answer = try #require(api.answers.first)
        #expect(answer.path == "/2018-06-01/runtime/init/error")
        #expect(answer.headers["lambda-runtime-function-error-type"] == "Runtime.InitError")
        #expect((answer.json["errorMessage"] as? String)?.contains("/nonexistent/efs/mount") == true)
        #expect(api.answers.count == 1)
    }

    @Test("an event function answers with its result")
    func eventFunction() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let (api, _) = try await serve(
            "dispatch-events", [.init(requestID: "tick-1", event: Data(Events.scheduledEvent.utf8))], answers: 1,
            environment: ["ORDER_DATA_DIR": data.path])
        let answer = try #require(api.answers.first)
        #expect(answer.path == "/2018-06-01/runtime/invocation/tick-1/response")
        #expect(answer.json["webhook_configured"] as? Bool == false)
    }
}
