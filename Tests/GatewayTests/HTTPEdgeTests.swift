import Foundation
import Testing

/// The built gateway's HTTP/1 connections, seen from a client that holds the socket itself: timeouts, HTTP/1.0,
/// `Expect: 100-continue`, an early 413, and how much of a long path the log keeps. The gateway serves
/// `fixtures/gateway/template.yaml`, whose echo route answers with its event.
@Suite("HTTP edges of the gateway", .serialized)
struct HTTPEdgeTests {
    /// A gateway with short connection timeouts; the caller stops it and removes `functions`.
    static func start() throws -> (functions: URL, gateway: GatewayProcess) {
        let functions = try Paths.testFunctionsDirectory()
        let gateway = try GatewayProcess([
            "--template", Paths.gatewayFixtures.appendingPathComponent("template.yaml").path,
            "--functions-dir", functions.path, "--data-dir", "/tmp/gateway-test-data",
            "--header-timeout", "1", "--idle-timeout", "2",
        ])
        return (functions, gateway)
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test(
        "a connection sending its headers a byte at a time is closed at --header-timeout, a silent one at --idle-timeout"
    )
    func slowClients() async throws {
        let (functions, gateway) = try Self.start()
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        // Half a header section, then a byte every 0.2 s: never a whole one.
        let trickling = try RawHTTPConnection(port: gateway.port, timeout: 1)
        var started = Date()
        trickling.write("GET /echo/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        var closedAfter: TimeInterval?
        while closedAfter == nil, Date().timeIntervalSince(started) < 8 {
            // A blocking sleep: an awaited one may resume late when other tests hold the cooperative threads, and
            // the delay would be measured as the gateway's.
            usleep(200_000)
            if !trickling.write("a") || trickling.read() == [] { closedAfter = Date().timeIntervalSince(started) }
        }
        let trickled = try #require(closedAfter, "a connection trickling its headers was held for 8 s")
        #expect(trickled < 5)

        // Nothing at all.
        let silent = try RawHTTPConnection(port: gateway.port, timeout: 10)
        started = Date()
        #expect(silent.readUntilClosed() == ([], true))
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 1.5 && waited < 8, "closed after \(waited) s")

        // A body that stops halfway.
        let stalled = try RawHTTPConnection(port: gateway.port, timeout: 10)
        started = Date()
        stalled.write("POST /echo/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n12345")
        #expect(stalled.readUntilClosed().closed)
        #expect(Date().timeIntervalSince(started) < 8)
        #expect(gateway.process.isRunning)
    }

    @Test("HTTP/1.0 is answered in HTTP/1.0: closed after the answer, or kept open when it asks for keep-alive")
    func http10() async throws {
        let (functions, gateway) = try Self.start()
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let connection = try RawHTTPConnection(port: gateway.port, timeout: 10)
        connection.write(
            "GET /echo/one HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
                + "GET /echo/two HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        let (bytes, closed) = connection.readUntilClosed()
        let answers = Self.text(bytes).components(separatedBy: "HTTP/1.0 200 OK\r\n").dropFirst()
        #expect(closed, "the connection stayed open after an HTTP/1.0 answer without keep-alive")
        #expect(answers.count == 2, "\(Self.text(bytes))")
        #expect(!Self.text(bytes).hasPrefix("HTTP/1.1"), "\(Self.text(bytes).prefix(100))")
        #expect(answers.first?.contains("Connection: keep-alive\r\n") == true)
        #expect(answers.last?.contains("Connection: close\r\n") == true)
        #expect(answers.last?.contains("/echo/two") == true)
    }

    @Test("Expect: 100-continue gets 100 Continue before the body, or the 413 at once when the body is over the limit")
    func expectContinue() async throws {
        let (functions, gateway) = try Self.start()
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let body = #"{"k":"v"}"#
        let connection = try RawHTTPConnection(port: gateway.port, timeout: 3)
        connection.write(
            "POST /echo/continue HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        let interim = Self.text(connection.read(until: "\r\n\r\n"))
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n"), "before the body: '\(interim)'")
        connection.write(body)
        let answer = Self.text(connection.readUntilClosed().bytes)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(answer.prefix(200))")
        #expect(answer.contains(#"\"k\":\"v\""#) || answer.contains(#""body":"{\"k\":\"v\"}""#), "\(answer)")

        let tooLarge = try RawHTTPConnection(port: gateway.port, timeout: 3)
        tooLarge.write(
            "POST /echo/large HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        let refused = Self.text(tooLarge.read(until: "payload_too_large"))
        #expect(refused.hasPrefix("HTTP/1.1 413 "), "\(refused.prefix(200))")
        #expect(refused.contains("Connection: close\r\n"))
    }

    @Test("a client that sends a 48 MiB body whole before reading gets its 413, then the connection closes")
    func oversizedBodySentWhole() async throws {
        let (functions, gateway) = try Self.start()
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        // As Python's urllib does: the whole request written, with no read until it is.
        let size = 48 << 20
        let connection = try RawHTTPConnection(port: gateway.port, timeout: 15)
        let head =
            "POST /echo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(size)\r\n\r\n"
        let sent = connection.write(Array(head.utf8) + [UInt8](repeating: 32, count: size))
        #expect(sent, "the gateway stopped reading before the body was sent")
        let (bytes, closed) = connection.readUntilClosed()
        let answer = try RawHTTPExchange.parse(bytes)
        #expect(answer.status == 413)
        #expect(Self.text(Array(answer.body)).contains("payload_too_large"))
        #expect(answer.header("Connection") == "close")
        #expect(closed)
    }

    @Test("a 79 kB path is logged, and echoed in a 404, as a short prefix and its length")
    func longPathLogged() async throws {
        let (functions, gateway) = try Self.start()
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: functions)
        }
        let long = "/nowhere/" + String(repeating: "a", count: 79_000)
        let answer = try RawHTTPExchange(port: gateway.port).send(
            method: Array("GET".utf8), target: Array(long.utf8), headers: [], body: [])
        #expect(answer.status == 404)
        #expect(answer.body.count < 1024, "the 404 echoes \(answer.body.count) bytes")
        let lines = await gateway.logLines("request", waitingFor: 1)
        let path = try #require(lines.first?["path"] as? String)
        #expect(path.utf8.count < 400, "the access line logs \(path.utf8.count) bytes of path")
        #expect(path.hasPrefix("/nowhere/aaaa") && path.hasSuffix("(79009 bytes)"), "\(path)")
        #expect(!gateway.log.contains(String(repeating: "a", count: 1000)))
    }
}
