import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A stand-in for the Lambda Runtime API on loopback: hands out scripted invocations and records every request a
/// runtime sends back, so a test can check them one by one.
final class FakeRuntimeAPI: Sendable {
    struct Invocation: Sendable {
        var requestID: String
        var event: Data
        var deadline: Date = Date().addingTimeInterval(600)
        var traceID: String? = "Root=1-6743f1a2-2f9c0d1e3b4a5c6d7e8f9012;Sampled=1"
    }

    /// A request the runtime sent: `POST /2018-06-01/runtime/invocation/<id>/response` and the like.
    struct Received: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    private struct State {
        var pending: [Invocation] = []
        var received: [Received] = []
        /// Set by `stop()`: a long poll still waiting ends, so the server can shut down.
        var stopping = false
    }

    private final class Recorder: Sendable {
        let state = Mutex(State())
    }

    private let recorder = Recorder()
    private let task: Task<Void, any Error>
    let port: Int

    init(invocations: [Invocation]) async throws {
        let recorder = self.recorder
        recorder.state.withLock { $0.pending = invocations }
        let router = Router()
        router.get("/2018-06-01/runtime/invocation/next") { request, _ -> Response in
            recorder.state.withLock {
                $0.received.append(Received(method: "GET", path: request.uri.path, headers: [:], body: Data()))
            }
            // Long poll, as the real API does: wait until there is work (the test ends the runtime meanwhile).
            while !recorder.state.withLock({ $0.stopping }) {
                if let next = recorder.state.withLock({ $0.pending.isEmpty ? nil : $0.pending.removeFirst() }) {
                    var headers: HTTPFields = [
                        HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!: next.requestID,
                        HTTPField.Name("Lambda-Runtime-Deadline-Ms")!: String(
                            Int64(next.deadline.timeIntervalSince1970 * 1000)),
                        HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!:
                            "arn:aws:lambda:eu-west-1:123456789012:function:get-order",
                    ]
                    if let trace = next.traceID { headers[HTTPField.Name("Lambda-Runtime-Trace-Id")!] = trace }
                    return Response(
                        status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: next.event)))
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            return Response(status: .serviceUnavailable)
        }
        let record: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 8 * 1024 * 1024)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            recorder.state.withLock {
                $0.received.append(
                    Received(
                        method: "POST", path: request.uri.path, headers: headers, body: Data(body.readableBytesView)))
            }
            return Response(status: .accepted)
        }
        router.post("/2018-06-01/runtime/invocation/:id/response", use: record)
        router.post("/2018-06-01/runtime/invocation/:id/error", use: record)
        router.post("/2018-06-01/runtime/init/error", use: record)

        let bound = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                bound.continuation.yield(channel.localAddress?.port ?? 0)
                bound.continuation.finish()
            })
        task = Task { try await application.run() }
        var iterator = bound.stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    var endpoint: String { "127.0.0.1:\(port)" }

    /// Every request but the `next` polls, in order.
    var answers: [Received] { recorder.state.withLock { $0.received.filter { $0.method == "POST" } } }

    /// Waits until the runtime has sent `count` answers, for up to `seconds`.
    func waitForAnswers(_ count: Int, seconds: Double = 10) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while answers.count < count, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    func stop() async {
        recorder.state.withLock { $0.stopping = true }
        task.cancel()
        _ = await task.result
    }
}
