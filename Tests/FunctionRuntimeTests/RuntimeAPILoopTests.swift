import FunctionRuntime
import OrderHTTP
import StructuredLog
import Synchronization
import Testing
import Timestamps

/// The Runtime API loop, driven in-process by a fake Runtime API: what it posts, in what order, and what it logs.
@Suite("Runtime API loop, in-process")
struct RuntimeAPILoopTests {
    /// A handler that answers 200 with the path it was asked for, and records its after-response work as a step.
    struct EchoPath: FunctionHandler {
        let record: FakeRuntimeAPI

        func handle(_ request: FunctionRequest) -> FunctionResponse {
            var response = FunctionResponse(statusCode: 200, body: request.path)
            response.afterResponse = { [record] context in record.note("after-response \(context.requestID)") }
            FunctionLog.write("handled")
            return response
        }
    }

    /// A handler with nothing to do once it has answered.
    struct Plain: FunctionHandler {
        func handle(_ request: FunctionRequest) -> FunctionResponse {
            FunctionResponse(statusCode: 200, body: request.path)
        }
    }

    struct Succeeding: EventHandler {
        func handle(event: [UInt8], context: InvocationContext) throws -> String { "done" }
    }

    struct Failing: EventHandler {
        struct Broken: Error, CustomStringConvertible {
            var description: String { "broken" }
        }

        func handle(event: [UInt8], context: InvocationContext) throws -> String { throw Broken() }
    }

    static func event(path: String) -> [UInt8] {
        Array(
            #"{"version":"2.0","rawPath":"\#(path)","requestContext":{"requestId":"gw-1","http":{"method":"GET"}}}"#
                .utf8)
    }

    /// Runs `loop` with log lines captured; returns why it stopped and the lines.
    func run(_ serve: () -> RuntimeAPILoop.Stop) -> (RuntimeAPILoop.Stop, [String]) {
        let lines = Mutex<[String]>([])
        let stop = FunctionLog.$sink.withValue(
            LogSink { line in lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) } }
        ) {
            serve()
        }
        return (stop, lines.withLock { $0 })
    }

    @Test("next → handle → response, for each invocation, until the Runtime API fails")
    func servesInvocations() {
        let api = FakeRuntimeAPI([
            RuntimeInvocation(context: InvocationContext(requestID: "r1"), event: Self.event(path: "/a")),
            RuntimeInvocation(context: InvocationContext(requestID: "r2"), event: Self.event(path: "/b")),
        ])
        let (stop, lines) = run { RuntimeAPILoop(function: "echo", api: api).serve { EchoPath(record: api) } }
        #expect(stop == .runtimeAPIFailed)
        let steps = api.steps
        #expect(steps.count == 5)
        #expect(steps[0].hasPrefix("response r1 ") && steps[0].contains(#""body":"/a""#))
        #expect(steps[1] == "after-response r1")
        #expect(steps[2].hasPrefix("response r2 ") && steps[2].contains(#""body":"/b""#))
        #expect(steps[3] == "after-response r2")
        #expect(steps[4] == "next failed")
        let invocations = lines.filter { $0.contains(#""msg":"invocation""#) }
        #expect(invocations.count == 2)
        #expect(
            invocations[0].contains(#""function":"echo","request_id":"r1","method":"GET","path":"/a","status":200"#))
        #expect(lines.last?.contains(#""msg":"runtime_api_failed""#) == true)
    }

    @Test("a response with nothing after it goes with the request for the next invocation, its log line written first")
    func respondsThenAsks() {
        let api = FakeRuntimeAPI([
            RuntimeInvocation(context: InvocationContext(requestID: "r1"), event: Self.event(path: "/a")),
            RuntimeInvocation(context: InvocationContext(requestID: "r2"), event: Self.event(path: "/b")),
        ])
        // Log lines go to the same record as the calls: which came first is the point.
        let stop = FunctionLog.$sink.withValue(
            LogSink { line in
                let line = String(decoding: line, as: UTF8.self)
                if line.contains(#""msg":"invocation""#) { api.note("logged \(line.contains("r1") ? "r1" : "r2")") }
            }
        ) {
            RuntimeAPILoop(function: "plain", api: api).serve { Plain() }
        }
        #expect(stop == .runtimeAPIFailed)
        let steps = api.steps
        #expect(steps.count == 5)
        #expect(steps[0] == "logged r1")
        #expect(steps[1].hasPrefix("response-then-next r1 ") && steps[1].contains(#""body":"/a""#))
        #expect(steps[2] == "logged r2")
        #expect(steps[3].hasPrefix("response-then-next r2 ") && steps[3].contains(#""body":"/b""#))
        #expect(steps[4] == "next failed")
    }

    @Test("an event handler's result goes with the request for the next invocation")
    func eventResult() {
        let api = FakeRuntimeAPI([
            RuntimeInvocation(context: InvocationContext(requestID: "job-1"), event: Array("{}".utf8))
        ])
        let (stop, lines) = run { RuntimeAPILoop(function: "job", api: api).serveEvents { Succeeding() } }
        #expect(stop == .runtimeAPIFailed)
        #expect(api.steps == ["response-then-next job-1 done", "next failed"])
        #expect(lines.contains { $0.contains(#""msg":"invocation""#) && $0.contains(#""request_id":"job-1""#) })
    }

    @Test("an unreadable event is reported as Runtime.InvalidEvent and the loop goes on")
    func invalidEvent() {
        let api = FakeRuntimeAPI([
            RuntimeInvocation(context: InvocationContext(requestID: "bad"), event: Array("not an event".utf8)),
            RuntimeInvocation(context: InvocationContext(requestID: "good"), event: Self.event(path: "/ok")),
        ])
        let (_, lines) = run { RuntimeAPILoop(function: "echo", api: api).serve { EchoPath(record: api) } }
        #expect(api.steps.first?.hasPrefix("error bad Runtime.InvalidEvent ") == true)
        #expect(api.steps.contains { $0.hasPrefix("response good ") })
        #expect(lines.contains { $0.contains(#""msg":"invalid_event""#) && $0.contains(#""request_id":"bad""#) })
    }

    @Test("an invocation too close to its deadline is refused as Function.DeadlineExceeded, not started")
    func deadlineTooClose() {
        let soon = Timestamp.now().adding(milliseconds: Int64(RuntimeAPILoop.minimumMillisecondsToStart / 2))
        let api = FakeRuntimeAPI([
            RuntimeInvocation(
                context: InvocationContext(requestID: "late", deadline: soon), event: Self.event(path: "/x"))
        ])
        let (_, lines) = run { RuntimeAPILoop(function: "echo", api: api).serve { EchoPath(record: api) } }
        #expect(api.steps.first?.hasPrefix("error late Function.DeadlineExceeded ") == true)
        #expect(!lines.contains { $0.contains(#""msg":"handled""#) })
    }

    @Test("a handler that cannot be built is reported to init/error, and the loop stops before asking for work")
    func initFailure() {
        struct Unconfigured: Error {}
        let api = FakeRuntimeAPI([RuntimeInvocation(context: InvocationContext(requestID: "r1"), event: [])])
        let (stop, lines) = run {
            RuntimeAPILoop(function: "echo", api: api).serve { () throws -> any FunctionHandler in throw Unconfigured()
            }
        }
        #expect(stop == .initializationFailed)
        #expect(api.steps == ["init/error Runtime.InitError echo cannot start: Unconfigured()"])
        #expect(lines.contains { $0.contains(#""msg":"init_failed""#) })
    }

    @Test("the invocation's trace id is in every line written while it runs, and in no other")
    func traceID() {
        let api = FakeRuntimeAPI([
            RuntimeInvocation(
                context: InvocationContext(requestID: "r1", traceID: "Root=1-abc"), event: Self.event(path: "/t"))
        ])
        let (_, lines) = run { RuntimeAPILoop(function: "echo", api: api).serve { EchoPath(record: api) } }
        let during = lines.filter { $0.contains(#""msg":"handled""#) || $0.contains(#""msg":"invocation""#) }
        #expect(during.count == 2)
        #expect(during.allSatisfy { $0.contains(#""trace_id":"Root=1-abc""#) })
        #expect(lines.last?.contains("trace_id") == false)
    }

    @Test("an event handler that throws makes the invocation Function.Unhandled, logged as an error")
    func eventFailure() {
        let api = FakeRuntimeAPI([
            RuntimeInvocation(context: InvocationContext(requestID: "job-1"), event: Array("{}".utf8))
        ])
        let (_, lines) = run { RuntimeAPILoop(function: "job", api: api).serveEvents { Failing() } }
        #expect(api.steps.first == "error job-1 Function.Unhandled broken")
        #expect(
            lines.contains {
                $0.contains(#""level":"error","msg":"invocation""#)
                    && $0.contains(#""function":"job","request_id":"job-1""#) && $0.contains(#""error":"broken""#)
            })
    }
}

/// A Runtime API that hands out a fixed list of invocations, then fails, and records every call as a step.
final class FakeRuntimeAPI: RuntimeAPI, Sendable {
    struct Exhausted: Error {}

    private let state: Mutex<(invocations: [RuntimeInvocation], steps: [String])>

    init(_ invocations: [RuntimeInvocation]) {
        state = Mutex((invocations, []))
    }

    /// What happened, in order: `response <id> <body>`, `response-then-next <id> <body>`, `error <id> <type> <message>`, `init/error …`, and notes.
    var steps: [String] { state.withLock { $0.steps } }

    func note(_ step: String) {
        state.withLock { $0.steps.append(step) }
    }

    func next() throws -> RuntimeInvocation {
        try state.withLock { state in
            guard !state.invocations.isEmpty else {
                state.steps.append("next failed")
                throw Exhausted()
            }
            return state.invocations.removeFirst()
        }
    }

    func respond(to requestID: String, with body: [UInt8]) throws {
        note("response \(requestID) \(String(decoding: body, as: UTF8.self))")
    }

    func respondThenNext(to requestID: String, with body: [UInt8]) throws -> RuntimeInvocation {
        note("response-then-next \(requestID) \(String(decoding: body, as: UTF8.self))")
        return try next()
    }

    func fail(_ requestID: String, type: String, message: String) throws {
        note("error \(requestID) \(type) \(message)")
    }

    func failInitialization(type: String, message: String) throws {
        note("init/error \(type) \(message)")
    }
}
