import Foundation
import Synchronization
import Testing

@testable import FunctionProcess

/// The Runtime API client's HTTP/1.1 connection against a server on loopback that answers each request with the next
/// scripted reply, byte for byte: how replies are framed, when the connection is kept, and what a failure says.
@Suite("Runtime API connection")
struct RuntimeAPIConnectionTests {
    /// A response and the request for the next invocation, as a runtime pipelines them.
    static let responseThenNext: [RuntimeAPIConnection.Request] = [
        .init(method: "POST", path: "/response", body: Array("answer".utf8)), .init(method: "GET", path: "/next"),
    ]

    @Test("requests share one kept-open connection; headers are read by lower-case name")
    func keepsTheConnection() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-1\r\nContent-Length: 5\r\n\r\nfirst"),
            .init("HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)

        let next = try connection.exchange("GET", "/2018-06-01/runtime/invocation/next")
        #expect(next.status == 200)
        #expect(next.headers["lambda-runtime-aws-request-id"] == "req-1")
        #expect(next.body == Array("first".utf8))
        let posted = try connection.exchange(
            "POST", "/2018-06-01/runtime/invocation/req-1/response",
            headers: [(name: "Content-Type", value: "application/json")], body: Array("{}".utf8))
        #expect(posted.status == 202 && posted.body == Array(#"{"status":"OK"}"#.utf8))
        #expect(try connection.exchange("GET", "/2018-06-01/runtime/invocation/next").body.isEmpty)

        let requests = server.requests
        #expect(requests.map(\.connection) == [1, 1, 1])
        #expect(requests[0].head.hasPrefix("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: "))
        #expect(requests[1].head.contains("Content-Type: application/json\r\n"))
        #expect(requests[1].head.contains("Content-Length: 2\r\n"))
        #expect(requests[1].body == "{}")
    }

    @Test("pipelined requests go out together on one connection, and their replies are read in order")
    func pipelined() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"),
            .init("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: req-2\r\nContent-Length: 4\r\n\r\nnext"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        let replies = try connection.exchange(Self.responseThenNext)
        #expect(replies.map(\.status) == [202, 200])
        #expect(replies[1].headers["lambda-runtime-aws-request-id"] == "req-2" && replies[1].body == Array("next".utf8))
        #expect(server.requests.map(\.connection) == [1, 1])
        #expect(server.requests.map(\.body) == ["answer", ""])
        #expect(server.requests[1].head.hasPrefix("GET /next HTTP/1.1\r\n"))
    }

    @Test("a server that writes pipelined replies one by one, Nagle's algorithm on, is not kept waiting for an ack")
    func pipelinedRepliesWrittenApart() throws {
        // This server writes each reply with its own send and leaves Nagle's algorithm on: the second reply of a
        // pipeline waits until the first is acknowledged, which a delayed acknowledgement holds up to 40 ms.
        let rounds = 20
        let server = try ScriptedServer(
            Array(
                repeating: [
                    .init("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"),
                    .init("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
                ], count: rounds
            ).flatMap { $0 })
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        let started = ContinuousClock.now
        for _ in 0..<rounds {
            let replies = try connection.exchange(Self.responseThenNext)
            #expect(replies.map(\.status) == [202, 200])
        }
        // Held up each time, the rounds would take 20 × 40 ms; acknowledged at once, a few milliseconds in all.
        #expect(ContinuousClock.now - started < .milliseconds(rounds * 40 / 2))
    }

    @Test("a server that closes after one reply of a pipeline has the requests after it sent again on a new connection")
    func pipelinedThenClosed() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", thenClose: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        let replies = try connection.exchange(Self.responseThenNext)
        #expect(replies.map(\.status) == [202, 200] && replies[1].body == Array("next".utf8))
        // The GET went out behind the POST on the first connection too, and was closed unread with it.
        #expect(server.requests.map(\.connection) == [1, 2])
        #expect(server.requests.map(\.body) == ["answer", ""])
    }

    @Test("a pipeline on a kept-open connection the server closed while idle is sent whole on a new one")
    func pipelinedAfterIdleClose() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none", thenClose: true),
            .init("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        #expect(try connection.exchange("GET", "/a").body == Array("one".utf8))
        server.waitForClosedConnections(1)
        let replies = try connection.exchange([
            .init(method: "POST", path: "/b", body: Array("answer".utf8)), .init(method: "GET", path: "/c"),
        ])
        #expect(replies.map(\.body) == [[], Array("two".utf8)])
        #expect(server.requests.map(\.connection) == [1, 2, 2])
    }

    @Test("a chunked body is put back together, its extensions and trailer dropped")
    func chunked() throws {
        let server = try ScriptedServer([
            .init(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\n{\"a\"\r\nA;name=value\r\n:\"0123456\"\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n"),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        #expect(try connection.exchange("GET", "/a").body == Array(#"{"a":"0123456"}"#.utf8))
        #expect(try connection.exchange("GET", "/b").body == Array("ok".utf8))
        #expect(server.requests.map(\.connection) == [1, 1])
    }

    @Test("a reply framed by the end of the connection, or with Connection: close, is followed by a new connection")
    func closedByTheServer() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.0 200 OK\r\n\r\nuntil the end", thenClose: true),
            .init("HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", thenClose: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        #expect(try connection.exchange("GET", "/a").body == Array("until the end".utf8))
        #expect(try connection.exchange("POST", "/b").status == 202)
        #expect(try connection.exchange("GET", "/c").body == Array("last".utf8))
        #expect(server.requests.map(\.connection) == [1, 2, 3])
    }

    @Test("a kept-open connection the server closed while idle is replaced, and the request sent on the new one")
    func closedWhileIdle() throws {
        let server = try ScriptedServer([
            // Keep-alive by its headers, then closed anyway, as a server does with an idle connection.
            .init("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none", thenClose: true),
            .init("HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\n\r\ntwo"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        #expect(try connection.exchange("GET", "/a").body == Array("one".utf8))
        server.waitForClosedConnections(1)
        #expect(try connection.exchange("POST", "/b", body: Array("answer".utf8)).body == Array("two".utf8))
        #expect(server.requests.map(\.connection) == [1, 2])
        #expect(server.requests.map(\.body) == ["", "answer"])
    }

    @Test("a reply cut short is connection_lost, and the next request starts on a new connection")
    func cutShort() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nnot a hundred bytes", thenClose: true),
            .init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        let error = #expect(throws: RuntimeAPIConnectionError.self) { try connection.exchange("GET", "/a") }
        #expect(error?.code == "connection_lost")
        #expect(try connection.exchange("GET", "/b").body == Array("ok".utf8))
        #expect(server.requests.map(\.connection) == [1, 2])
    }

    @Test("a reply that is not HTTP is malformed_reply")
    func notHTTP() throws {
        let server = try ScriptedServer([.init("SSH-2.0-OpenSSH_9.2\r\n\r\n", thenClose: true)])
        let connection = try RuntimeAPIConnection(endpoint: server.endpoint)
        let error = #expect(throws: RuntimeAPIConnectionError.self) { try connection.exchange("GET", "/a") }
        #expect(error?.code == "malformed_reply")
    }

    @Test("an endpoint that is not host:port is refused at once; one that nobody serves fails at the first request")
    func endpoints() throws {
        for endpoint in ["127.0.0.1", "127.0.0.1:", "127.0.0.1:http", ":9001", "127.0.0.1:70000"] {
            #expect(throws: RuntimeAPIConnectionError.self, "\(endpoint)") {
                try RuntimeAPIConnection(endpoint: endpoint)
            }
        }
        let connection = try RuntimeAPIConnection(endpoint: "127.0.0.1:\(try ScriptedServer.unusedPort())")
        let error = #expect(throws: RuntimeAPIConnectionError.self) { try connection.exchange("GET", "/a") }
        #expect(error?.code == "connect_failed")
        _ = try RuntimeAPIConnection(endpoint: "[::1]:9001")
        _ = try RuntimeAPIConnection(endpoint: "localhost:9001")
    }
}

extension RuntimeAPIConnection {
    /// Sends one request and waits for its reply.
    func exchange(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [])
        throws(RuntimeAPIConnectionError) -> Reply
    {
        try exchange([Request(method: method, path: path, headers: headers, body: body)])[0]
    }
}

/// A server on `127.0.0.1` that reads each request (its head, then `Content-Length` bytes of body) and writes the
/// next scripted reply, closing the connection after it when the reply says so. It stops when it is released.
final class ScriptedServer: Sendable {
    struct Reply: Sendable {
        var bytes: [UInt8]
        var thenClose: Bool

        init(_ text: String, thenClose: Bool = false) {
            bytes = Array(text.utf8)
            self.thenClose = thenClose
        }
    }

    /// A request as received: which connection it came on (counted from 1), its head and its body.
    struct Request: Sendable {
        var connection: Int
        var head: String
        var body: String
    }

    private struct State {
        var replies: [Reply]
        var requests: [Request] = []
        var closedConnections = 0
    }

    /// Shared with the thread that serves, which must not keep the server alive.
    private final class Recorder: Sendable {
        let state: Mutex<State>

        init(_ replies: [Reply]) {
            state = Mutex(State(replies: replies))
        }
    }

    private let recorder: Recorder
    private let listener: Int32
    let port: Int

    var endpoint: String { "127.0.0.1:\(port)" }
    var requests: [Request] { recorder.state.withLock { $0.requests } }

    init(_ replies: [Reply]) throws {
        recorder = Recorder(replies)
        (listener, port) = try Self.bound(listening: true)
        let (listener, recorder) = (listener, recorder)
        Thread { Self.serve(listener, recorder) }.start()
    }

    deinit {
        // Wakes the serving thread's accept, which closes the listener: closed here, its descriptor could be reused
        // by another test's socket while that thread still accepts on it.
        shutdown(listener, Int32(SHUT_RDWR))
    }

    /// A port on loopback that nothing listens on: bound for a moment, then given up.
    static func unusedPort() throws -> Int {
        let (socket, port) = try bound(listening: false)
        close(socket)
        return port
    }

    /// Waits, for up to five seconds, until the server has closed `count` connections.
    func waitForClosedConnections(_ count: Int) {
        let deadline = Date().addingTimeInterval(5)
        while recorder.state.withLock({ $0.closedConnections }) < count, Date() < deadline { usleep(1000) }
    }

    private static func bound(listening: Bool) throws -> (socket: Int32, port: Int) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && (!listening || listen(listener, 8) == 0)
                    && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return (listener, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Accepts connections one at a time until the listener is closed.
    private static func serve(_ listener: Int32, _ recorder: Recorder) {
        var connection = 0
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                close(listener)
                return
            }
            connection += 1
            var pending: [UInt8] = []
            while let request = readRequest(client, &pending) {
                let reply: Reply? = recorder.state.withLock { state in
                    state.requests.append(Request(connection: connection, head: request.head, body: request.body))
                    return state.replies.isEmpty ? nil : state.replies.removeFirst()
                }
                guard let reply else { break }
                _ = reply.bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if reply.thenClose { break }
            }
            close(client)
            recorder.state.withLock { $0.closedConnections += 1 }
        }
    }

    private static func readRequest(_ client: Int32, _ pending: inout [UInt8]) -> (head: String, body: String)? {
        let end = Array("\r\n\r\n".utf8)
        var chunk = [UInt8](repeating: 0, count: 4096)
        func more() -> Bool {
            let count = recv(client, &chunk, chunk.count, 0)
            if count > 0 { pending += chunk[..<count] }
            return count > 0
        }
        var headEnd: Int?
        while headEnd == nil {
            headEnd = pending.indices.dropLast(3).first { pending[$0..<$0 + 4].elementsEqual(end) }.map { $0 + 4 }
            if headEnd == nil, !more() { return nil }
        }
        let bodyStart = headEnd!
        let head = String(decoding: pending[..<bodyStart], as: UTF8.self)
        let length =
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        while pending.count < bodyStart + length { guard more() else { return nil } }
        let body = String(decoding: pending[bodyStart..<(bodyStart + length)], as: UTF8.self)
        pending.removeFirst(bodyStart + length)
        return (head, body)
    }
}
