import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A webhook endpoint on loopback, for the tests: it records every request and answers as scripted.
final class WebhookReceiver: Sendable {
    /// One answer to give: a status, after a delay, with headers; its body empty, or endless.
    struct Answer: Sendable {
        var status: Int = 200
        var delayMilliseconds: Int = 0
        var headers: [String: String] = [:]
        /// A body that never ends: 64 KiB every 10 ms until the client goes away.
        var endlessBody = false
    }

    /// A request as received.
    struct Received: Sendable {
        var headers: [String: String]
        var body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var eventID: String { json["id"] as? String ?? "" }
        var type: String { json["type"] as? String ?? "" }
        var version: Int { (json["data"] as? [String: Any])?["version"] as? Int ?? 0 }

        /// Whether `webhook-signature` is the Standard Webhooks HMAC of this request under `secret`.
        func signatureVerifies(secret: String) -> Bool {
            guard let id = headers["webhook-id"], let timestamp = headers["webhook-timestamp"],
                let signature = headers["webhook-signature"],
                let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
            else { return false }
            let signed = Data("\(id).\(timestamp).".utf8) + body
            let expected = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
            return signature.split(separator: " ").contains { $0 == "v1," + Data(expected).base64EncodedString() }
        }
    }

    private struct State {
        var script: [Answer] = []
        var received: [Received] = []
    }

    /// Shared by the receiver and its request handler.
    private final class Recorder: Sendable {
        let state = Mutex(State())
    }

    private let recorder = Recorder()
    private let task: Task<Void, any Error>
    let port: Int

    /// Starts listening on `port` (0: any free port).
    init(port: Int = 0) async throws {
        let recorder = self.recorder
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let answer = recorder.state.withLock { state in
                state.received.append(Received(headers: headers, body: Data(body.readableBytesView)))
                return state.script.isEmpty ? Answer() : state.script.removeFirst()
            }
            if answer.delayMilliseconds > 0 { try await Task.sleep(for: .milliseconds(answer.delayMilliseconds)) }
            var response = Response(status: .init(code: answer.status))
            if answer.endlessBody {
                response.body = ResponseBody { writer in
                    let chunk = ByteBuffer(repeating: UInt8(ascii: "a"), count: 64 * 1024)
                    while true {
                        try await writer.write(chunk)
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
            }
            for (name, value) in answer.headers { response.headers[HTTPField.Name(name)!] = value }
            return response
        }
        let bound = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                bound.continuation.yield(channel.localAddress?.port ?? 0)
                bound.continuation.finish()
            })
        task = Task { try await application.run() }
        var iterator = bound.stream.makeAsyncIterator()
        self.port = await iterator.next() ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// The answers to give next, in order; after them, 200.
    func script(_ answers: [Answer]) {
        recorder.state.withLock { $0.script = answers }
    }

    var received: [Received] { recorder.state.withLock { $0.received } }

    /// Waits until `count` requests have come, for up to `seconds`.
    func waitForRequests(_ count: Int, seconds: Double = 10) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while received.count < count, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// A port nothing listens on: bound once by the kernel's choice, then released.
func unusedPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
