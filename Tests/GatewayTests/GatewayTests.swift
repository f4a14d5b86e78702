import Foundation
import FunctionRuntime
import OrderHTTP
import StructuredLog
import Synchronization
import Testing

@testable import LocalGateway

/// An invoker that records what it was asked and answers with a fixed result.
final class RecordingInvoker: FunctionInvoker {
    let answer: @Sendable (FunctionDefinition, [UInt8]) async throws(InvocationError) -> [UInt8]
    let calls = Mutex<[(function: String, event: [UInt8])]>([])
    let running = Mutex((now: 0, most: 0))

    init(answer: @escaping @Sendable (FunctionDefinition, [UInt8]) async throws(InvocationError) -> [UInt8]) {
        self.answer = answer
    }

    func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]
    {
        calls.withLock { $0.append((function.logicalID, event)) }
        running.withLock {
            $0.now += 1
            $0.most = max($0.most, $0.now)
        }
        defer { running.withLock { $0.now -= 1 } }
        return try await answer(function, event)
    }
}

/// Log lines kept in memory.
final class LogRecorder: Sendable {
    let lines = Mutex<[GatewayLogLine]>([])
    var sink: @Sendable (GatewayLogLine) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}

@Suite("Gateway, in process")
struct GatewayTests {
    static let template = ServerlessTemplate(functions: [
        FunctionDefinition(
            logicalID: "CreateOrderFunction", codeURI: "functions/create-order", timeoutSeconds: 2,
            routes: [RouteDefinition(eventName: "Create", method: "POST", path: "/order", payloadVersion: .v2)])
    ])

    func gateway(_ invoker: RecordingInvoker, log: LogRecorder = LogRecorder()) throws -> Gateway {
        try Gateway(template: Self.template, invoker: invoker, log: log.sink)
    }

    @Test("a request runs its function and the response comes back, with one access-log line")
    func success() async throws {
        let invoker = RecordingInvoker { _, _ in
            Array(#"{"statusCode":201,"headers":{"Location":"/order/1"},"body":"{}"}"#.utf8)
        }
        let log = LogRecorder()
        let response = try await gateway(invoker, log: log).respond(
            to: GatewayRequest(method: "POST", path: "/order", body: Array("{}".utf8)))
        #expect(response.status == 201)
        #expect(response.values(of: "Location") == ["/order/1"])
        #expect(response.values(of: "Apigw-Requestid").count == 1)
        let event = try #require(invoker.calls.withLock { $0.first?.event })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(event)) as? [String: Any])
        #expect(json["routeKey"] as? String == "POST /order")
        let lines = log.lines.withLock { $0 }
        guard lines.count == 1,
            case .access(let method, let path, let status, let function, _, let requestID) = lines[0]
        else {
            Issue.record("expected one access line, got \(lines)")
            return
        }
        #expect([method, path, function] == ["POST", "/order", "CreateOrderFunction"])
        #expect(status == 201)
        #expect(response.values(of: "Apigw-Requestid") == [requestID])
    }

    @Test("a body over 1 MiB is refused with 413 before any function runs")
    func payloadTooLarge() async throws {
        let invoker = RecordingInvoker { _, _ in Array("{}".utf8) }
        let response = try await gateway(invoker).respond(
            to: GatewayRequest(
                method: "POST", path: "/order", body: [UInt8](repeating: 32, count: RequestLimits.maximumBodySize + 1)))
        #expect(response.status == 413)
        #expect(String(decoding: response.body, as: UTF8.self).contains("payload_too_large"))
        #expect(invoker.calls.withLock { $0.isEmpty })
    }

    @Test("with an OpenAPI document, GET /openapi.yaml serves it as YAML and other methods are 405 with Allow")
    func openAPIDocument() async throws {
        let invoker = RecordingInvoker { _, _ in Array("{}".utf8) }
        var gateway = try gateway(invoker)
        let absent = await gateway.respond(to: GatewayRequest(method: "GET", path: "/openapi.yaml"))
        #expect(absent.status == 404)

        let contents = Array("openapi: 3.1.0\n".utf8)
        gateway.openAPIDocument = OpenAPIDocument(contents: contents)
        let served = await gateway.respond(to: GatewayRequest(method: "GET", path: "/openapi.yaml"))
        #expect(served.status == 200)
        #expect(served.values(of: "Content-Type") == ["application/yaml"])
        #expect(served.body == contents)
        let posted = await gateway.respond(to: GatewayRequest(method: "POST", path: "/openapi.yaml"))
        #expect(posted.status == 405)
        #expect(posted.values(of: "Allow") == ["GET"])
        #expect(invoker.calls.withLock { $0.isEmpty })
    }

    @Test("the default OpenAPI document is openapi.yaml beside the template, only when it exists")
    func openAPIDocumentBesideTemplate() throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let template = directory.appendingPathComponent("template.yaml").path
        #expect(OpenAPIDocument.besideTemplate(template) == nil)
        let document = directory.appendingPathComponent("openapi.yaml")
        try Data("openapi: 3.1.0\n".utf8).write(to: document)
        #expect(OpenAPIDocument.besideTemplate(template) == document.path)
    }

    @Test("unknown paths are 404 route_not_found, other methods 405 with Allow")
    func routingErrors() async throws {
        let invoker = RecordingInvoker { _, _ in Array("{}".utf8) }
        let gateway = try gateway(invoker)
        let missing = await gateway.respond(to: GatewayRequest(method: "GET", path: "/nowhere"))
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self).contains(#""code":"route_not_found""#))
        let wrongMethod = await gateway.respond(to: GatewayRequest(method: "GET", path: "/order"))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.values(of: "Allow") == ["POST"])
        #expect(String(decoding: wrongMethod.body, as: UTF8.self).contains(#""code":"method_not_allowed""#))
        #expect(invoker.calls.withLock { $0.isEmpty })
    }

    @Test(
        "failures become 502 bad_gateway, timeouts 504 gateway_timeout, and are logged",
        arguments: [
            (InvocationError.Kind.failed, 502, "bad_gateway"), (.launchFailed, 502, "bad_gateway"),
            (.responseTooLarge, 502, "bad_gateway"), (.timedOut, 504, "gateway_timeout"),
        ])
    func failures(kind: InvocationError.Kind, status: Int, code: String) async throws {
        let invoker = RecordingInvoker { _, _ throws(InvocationError) in throw InvocationError(kind, "it went wrong") }
        let log = LogRecorder()
        let response = try await gateway(invoker, log: log).respond(to: GatewayRequest(method: "POST", path: "/order"))
        #expect(response.status == status)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""code":"\#(code)""#))
        let failures = log.lines.withLock { $0 }.compactMap { line -> String? in
            if case .failure(let function, _, let error) = line { return "\(function): \(error)" }
            return nil
        }
        #expect(failures == ["CreateOrderFunction: it went wrong"])
    }

    @Test("output that is not a proxy response is a 502, and the output is logged")
    func garbage() async throws {
        let invoker = RecordingInvoker { _, _ in Array("this is not JSON".utf8) }
        let log = LogRecorder()
        let response = try await gateway(invoker, log: log).respond(to: GatewayRequest(method: "POST", path: "/order"))
        #expect(response.status == 502)
        let failure = log.lines.withLock { lines in
            lines.compactMap { line -> String? in
                if case .failure(_, _, let error) = line { return error }
                return nil
            }
        }
        #expect(failure.count == 1)
        #expect(failure.first?.contains("this is not JSON") == true)
    }

    @Test("at most --max-concurrency invocations run at once; the others wait and all succeed")
    func concurrencyLimit() async throws {
        let recording = RecordingInvoker { _, _ in
            try? await Task.sleep(for: .milliseconds(20))
            return Array(#"{"statusCode":200,"body":""}"#.utf8)
        }
        let limited = ConcurrencyLimitedInvoker(recording, limit: 3)
        let gateway = try Gateway(template: Self.template, invoker: limited, log: { _ in })
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { await gateway.respond(to: GatewayRequest(method: "POST", path: "/order")).status }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(recording.running.withLock { $0.most } == 3)
    }

    @Test("a schedule fires its function on each interval with a scheduled event")
    func scheduleRunner() async throws {
        let function = FunctionDefinition(
            logicalID: "DispatchEventsFunction", codeURI: "functions/dispatch-events",
            schedules: [ScheduleDefinition(eventName: "EveryMinute", expression: "rate(1 minute)")])
        let invoker = RecordingInvoker { _, _ in Array("{}".utf8) }
        let intervals = Mutex<[Duration]>([])
        let runner = ScheduleRunner(
            template: ServerlessTemplate(functions: [function]), invoker: invoker,
            sleep: { interval in intervals.withLock { $0.append(interval) } }, log: { _ in })
        let jobs = try runner.jobs()
        #expect(jobs.count == 1)
        let job = try #require(jobs.first)
        await runner.repeatJob(job.function, job.schedule, every: job.interval, limit: 3)
        #expect(intervals.withLock { $0 } == Array(repeating: .seconds(60), count: 3))
        let events = invoker.calls.withLock { $0 }
        #expect(events.count == 3)
        for call in events {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(call.event)) as? [String: Any])
            #expect(json["detail-type"] as? String == "Scheduled Event")
            #expect(json["source"] as? String == "aws.events")
        }
    }

    @Test("disabled and cron schedules are not run")
    func schedulesNotRun() throws {
        let function = FunctionDefinition(
            logicalID: "F", codeURI: "functions/f",
            schedules: [
                ScheduleDefinition(eventName: "Off", expression: "rate(1 minute)", isEnabled: false),
                ScheduleDefinition(eventName: "Cron", expression: "cron(0 2 * * ? *)"),
            ])
        let log = LogRecorder()
        let runner = ScheduleRunner(
            template: ServerlessTemplate(functions: [function]), invoker: RecordingInvoker { _, _ in [] },
            log: log.sink)
        #expect(try runner.jobs().isEmpty)
        runner.reportSchedulesNotRun()
        #expect(log.lines.withLock { $0.count } == 1)
    }
}
