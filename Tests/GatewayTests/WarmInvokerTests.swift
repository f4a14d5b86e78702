import Foundation
import Synchronization
import Testing

@testable import LocalGateway

#if canImport(Glibc)
    import Glibc
#endif

/// The warm invoker with real worker processes: `fixtures/gateway/runtime/report`, a Runtime API loop in shell
/// that answers with what the Runtime API told it, or misbehaves as its event asks.
@Suite("Warm invoker: workers over the Runtime API", .serialized)
struct WarmInvokerTests {
    /// A functions directory holding a runtime from `fixtures/gateway/runtime` (`report` unless told), a start log,
    /// and an invoker with the given limit.
    final class Workers: Sendable {
        let directory: URL
        let startLog: URL
        let invoker: WarmInvoker
        let log = LogRecorder()
        let runtime: String

        init(maximumWorkers: Int = 4, runtime: String = "report") throws {
            self.runtime = runtime
            directory = try Paths.temporaryDirectory()
            let script = directory.appendingPathComponent(runtime)
            try FileManager.default.copyItem(
                at: Paths.gatewayFixtures.appendingPathComponent("runtime/\(runtime)"), to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            startLog = directory.appendingPathComponent("starts")
            invoker = WarmInvoker(
                environment: FunctionEnvironment(
                    shared: ["START_LOG": startLog.path], functionsDirectory: directory.path),
                maximumWorkersPerFunction: maximumWorkers,
                log: log.sink)
        }

        func function(timeout: Double = 3, environment: [String: String] = [:]) -> FunctionDefinition {
            FunctionDefinition(
                logicalID: "ReportFunction", codeURI: "functions/\(runtime)", timeoutSeconds: timeout,
                environment: environment)
        }

        /// Invokes and decodes the report.
        func report(
            _ function: FunctionDefinition, event: String = #"{"n":1}"#, requestID: String = UUID().uuidString,
            traceID: String? = nil
        ) async throws -> [String: Any] {
            let output = try await invoker.invoke(
                function, event: Array(event.utf8), requestID: requestID, traceID: traceID)
            return try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
        }

        var starts: [String] {
            ((try? String(contentsOf: startLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func close() async {
            await invoker.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func invocationError(_ body: () async throws -> Void) async -> InvocationError? {
        do {
            try await body()
            return nil
        } catch let error as InvocationError {
            return error
        } catch {
            return nil
        }
    }

    @Test("next hands out the request id, a deadline of now + Timeout, the trace and the event; responses come back")
    func runtimeAPIRequests() async throws {
        let workers = try Workers()
        let function = workers.function(timeout: 7)
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let report = try await workers.report(
            function, event: #"{"n":42}"#, requestID: "req-1", traceID: "Root=1-5759e988-bd862e3fe1be46a994272793")
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(report["request_id"] as? String == "req-1")
        #expect(report["trace_id"] as? String == "Root=1-5759e988-bd862e3fe1be46a994272793")
        #expect((report["arn"] as? String)?.hasSuffix(":function:ReportFunction") == true)
        #expect((report["event"] as? [String: Any])?["n"] as? Int == 42)
        let deadline = try #require((report["deadline_ms"] as? NSNumber)?.int64Value)
        #expect(deadline >= before + 7000 && deadline <= after + 7000, "deadline \(deadline), now \(before)…\(after)")

        // Without a trace header there is no trace id; the same worker takes the next invocation.
        let second = try await workers.report(function, event: #"{"n":2}"#)
        #expect(second["trace_id"] as? String == "")
        #expect(second["pid"] as? Int == report["pid"] as? Int)

        // A response for an invocation the worker does not hold is refused with 400, and changes nothing.
        let unknown = try await workers.report(function, event: #"{"do":"bad-id"}"#)
        #expect(unknown["unknown_id_status"] as? Int == 400)

        // An error post fails the invocation, naming its type; the worker goes on.
        let error = await Self.invocationError {
            _ = try await workers.report(function, event: #"{"do":"fail"}"#)
        }
        #expect(error?.kind == .failed)
        #expect(error?.message.contains("Runtime.InvalidEvent") == true)
        #expect(error?.message.contains("not an event I know") == true)
        #expect(try await workers.report(function)["pid"] as? Int == report["pid"] as? Int)
        #expect(workers.starts.count == 1)
        await workers.close()
    }

    @Test("a runtime that sends its response and invocation/next in one write gets both answers, in order")
    func pipelinedRuntime() async throws {
        let workers = try Workers(maximumWorkers: 1, runtime: "pipelined")
        let function = workers.function()
        // One at a time: the worker waits in invocation/next, its last response's 202 held back until an event.
        var reports: [[String: Any]] = []
        for n in 1...3 {
            reports.append(try await workers.report(function, event: #"{"n":\#(n)}"#, requestID: "r\(n)"))
        }
        #expect(reports.map { $0["request_id"] as? String } == ["r1", "r2", "r3"])
        #expect(reports.map { $0["previous_receipt"] as? Int } == [0, 202, 202])
        // Side by side on one worker: the next event is waiting when the pipelined request for it arrives.
        typealias Seen = (n: Int?, receipt: Int?, pid: Int?)
        let together = try await withThrowingTaskGroup(of: Seen.self) { group in
            for n in 4...7 {
                group.addTask {
                    let report = try await workers.report(function, event: #"{"n":\#(n)}"#)
                    return (
                        (report["event"] as? [String: Any])?["n"] as? Int, report["previous_receipt"] as? Int,
                        report["pid"] as? Int
                    )
                }
            }
            return try await group.reduce(into: [Seen]()) { $0.append($1) }
        }
        #expect(together.compactMap(\.n).sorted() == [4, 5, 6, 7])
        #expect(together.allSatisfy { $0.receipt == 202 })
        #expect(Set(reports.map { $0["pid"] as? Int } + together.map(\.pid)).count == 1)
        await workers.close()
    }

    @Test("parallel invocations grow the pool up to its limit; the rest wait their turn and succeed")
    func poolGrowth() async throws {
        let workers = try Workers(maximumWorkers: 3)
        let function = workers.function(environment: ["REPORT_SLEEP": "0.5"])
        let pids = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<9 {
                group.addTask { try #require(try await workers.report(function)["pid"] as? Int) }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(pids.count == 3)
        #expect(workers.starts.count == 3)
        // Warm afterwards: one more invocation starts nothing.
        _ = try await workers.report(workers.function())
        #expect(workers.starts.count == 3)
        await workers.close()
    }

    @Test("a worker that exits fails its invocation, and a new worker takes the next one")
    func crashReplaced() async throws {
        let workers = try Workers()
        let function = workers.function()
        let first = try #require(try await workers.report(function)["pid"] as? Int)
        let error = await Self.invocationError {
            _ = try await workers.report(function, event: #"{"do":"crash"}"#)
        }
        #expect(error?.kind == .failed)
        #expect(error?.message.contains("exited with status 3") == true)
        let second = try #require(try await workers.report(function)["pid"] as? Int)
        #expect(second != first)
        #expect(workers.starts.count == 2)
        await workers.close()
    }

    @Test("a worker past its timeout is killed, the invocation times out, a new worker takes the next one")
    func timeoutReplaced() async throws {
        let workers = try Workers()
        let function = workers.function(timeout: 1)
        let started = Date()
        let error = await Self.invocationError {
            _ = try await workers.report(function, event: #"{"do":"hang"}"#)
        }
        #expect(error?.kind == .timedOut)
        #expect(Date().timeIntervalSince(started) < 5)
        let hung = try #require(workers.starts.first.flatMap { Int($0) })
        let next = try await workers.report(function)
        #expect(next["pid"] as? Int != hung)
        #expect(workers.starts.count == 2)
        await workers.close()
    }

    @Test("a response over 6 MB is refused with 413 and fails its invocation as too large; the worker goes on")
    func responseTooLarge() async throws {
        let workers = try Workers(maximumWorkers: 1)
        let function = workers.function()
        let error = await Self.invocationError { _ = try await workers.report(function, event: #"{"big":1}"#) }
        #expect(error?.kind == .responseTooLarge)
        let next = try await workers.report(function)
        #expect(next["big_status"] as? Int == 413)
        #expect(workers.starts.count == 1)
        await workers.close()
    }

    @Test("init/error fails the waiting invocation with the reason, and the function is not restarted at once")
    func initializationFailure() async throws {
        let workers = try Workers()
        let function = workers.function(environment: ["INIT_FAIL": "1"])
        for _ in 0..<3 {
            let error = await Self.invocationError { _ = try await workers.report(function) }
            #expect(error?.kind == .initializationFailed)
            #expect(error?.message.contains("the data directory is missing") == true)
        }
        #expect(workers.starts.count == 1)
        let logged = workers.log.lines.withLock { lines in
            lines.contains { line in
                if case .notice(let message, _, _) = line { return message == "function cannot start" }
                return false
            }
        }
        #expect(logged)
        await workers.close()
    }

    @Test(
        "the Runtime API answers Lambda's error bodies: an unknown path, a worker it does not run, an unknown request id",
        arguments: [
            ("GET", "/2018-06-01/runtime/invocation/next/now", 404, "UnknownPath"),
            ("GET", "/2018-06-01/runtime//invocation/next", 404, "UnknownPath"),
            ("GET", "/2018-06-01/runtimeinvocation/next", 404, "UnknownPath"),
            ("GET", "/2018-06-01/runtime/invocation/next", 500, "ShuttingDown"),
            ("GET", "/2018-06-01/runtime/invocation/next?timeout=1", 500, "ShuttingDown"),
            ("POST", "/2018-06-01/runtime/invocation/no-such-id/response", 400, "InvalidRequestID"),
            ("POST", "/2018-06-01/runtime/invocation/no-such-id/error", 400, "InvalidRequestID"),
            ("DELETE", "/2018-06-01/runtime/init/error", 404, "UnknownPath"),
        ])
    func runtimeAPIErrors(method: String, path: String, status: Int, type: String) async throws {
        let workers = try Workers()
        // Worker 99 was never started: the pool knows no such worker, as after it has exited.
        let pool = FunctionPool(
            function: workers.function(), maximumWorkers: 1,
            launcher: WorkerLauncher(environment: workers.invoker.environment),
            log: workers.log.sink)
        let endpoint = try await RuntimeAPIEndpoint.start(pool: pool, worker: 99)
        defer { endpoint.stop() }
        // This process plays the worker: the endpoint lets in no other.
        endpoint.admit(processID: getpid())
        // `Connection: close`, and the answer read until the endpoint closes: it must close when asked to.
        let answer = try RawHTTPExchange(port: endpoint.port).send(
            method: Array(method.utf8), target: Array(path.utf8), headers: [], body: Array("{}".utf8))
        #expect(answer.status == status)
        let body = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
        #expect(body["errorType"] as? String == type)
        #expect((body["errorMessage"] as? String)?.isEmpty == false)
        await workers.close()
    }

    @Test("shutdown kills the workers")
    func shutdown() async throws {
        let workers = try Workers()
        let pid = try #require(try await workers.report(workers.function())["pid"] as? Int)
        #expect(kill(pid_t(pid), 0) == 0)
        await workers.close()
        #expect(kill(pid_t(pid), 0) == -1)
    }
}
