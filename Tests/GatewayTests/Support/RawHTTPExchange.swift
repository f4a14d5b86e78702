import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 request written byte for byte on a plain TCP socket, and the answer read until the server closes.
///
/// For requests that URLSession would refuse or rewrite: dot segments in the path (curl removes them), NUL and
/// invalid UTF-8 bytes, oversized headers, unknown methods.
struct RawHTTPExchange {
    /// What the server answered.
    struct Response {
        var status: Int
        /// Header fields as received, in order.
        var headers: [(name: String, value: String)]
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Why there was no answer to read.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int

    /// Sends `method`, `target` (path and query, as given), `headers` and `body`, adding `Host` (unless `headers`
    /// name it, or name it in `omitted`), `Connection: close` and `Content-Length` (unless `headers` frame the body
    /// themselves), and reads the whole answer.
    func send(
        method: [UInt8], target: [UInt8], headers: [(name: String, value: [UInt8])], body: [UInt8],
        omitted: Set<String> = []
    ) throws -> Response {
        var request = method + Array(" ".utf8) + target + Array(" HTTP/1.1\r\n".utf8)
        var fields = headers
        let named = Set(headers.map { $0.name.lowercased() }).union(omitted.map { $0.lowercased() })
        if !named.contains("host") { fields.append(("Host", Array("127.0.0.1:\(port)".utf8))) }
        fields.append(("Connection", Array("close".utf8)))
        let framing: Set<String> = ["content-length", "transfer-encoding"]
        if !headers.contains(where: { framing.contains($0.name.lowercased()) }) {
            fields.append(("Content-Length", Array(String(body.count).utf8)))
        }
        for field in fields {
            request += Array(field.name.utf8) + Array(": ".utf8) + field.value + Array("\r\n".utf8)
        }
        request += Array("\r\n".utf8) + body
        return try Self.parse(exchange(request))
    }

    /// Writes `request` and reads until the server closes the connection (or 60 s pass).
    private func exchange(_ request: [UInt8]) throws -> [UInt8] {
        let connection = try RawHTTPConnection(port: port)
        // The server may answer (413) and close before reading everything: stop writing then, and read its answer.
        _ = connection.write(request)
        return connection.readUntilClosed().bytes
    }

    /// Splits an HTTP/1.1 answer into status, headers and body (`Content-Length` framed, or up to the close).
    static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.firstRange(of: separator) else {
            throw Failure(
                description: "no HTTP answer, only \(bytes.count) bytes: \(String(decoding: bytes, as: UTF8.self))")
        }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head[0].split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "not a status line: \(head[0])")
        }
        let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(bytes[end.upperBound...])
        if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) }) {
            body = Array(body.prefix(length))
        }
        return Response(status: status, headers: headers, body: Data(body))
    }
}

/// A plain TCP connection to a local port, for tests that write a request in pieces and watch what the server does
/// between them: when it answers, whether and when it closes.
final class RawHTTPConnection {
    private let socket: Int32

    /// Connects; reads wait at most `timeout` seconds for data.
    init(port: Int, timeout: Int = 60) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawHTTPExchange.Failure(description: "socket: errno \(errno)") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw RawHTTPExchange.Failure(description: "connect: errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// Writes all of `bytes`, or as much as the server takes before it closes; `false` if not all of it.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 { return false }
            written += count
        }
        return true
    }

    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// What one read gives: bytes, or `[]` when the server has closed (or reset) the connection, or `nil` when the
    /// read timed out.
    func read() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket, &buffer, buffer.count, 0)
        if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// Reads until `text` has arrived, the server closes, or a read times out; returns what was read.
    func read(until text: String) -> [UInt8] {
        var received: [UInt8] = []
        while received.firstRange(of: Array(text.utf8)) == nil, let bytes = read(), !bytes.isEmpty {
            received += bytes
        }
        return received
    }

    /// Reads until the server closes the connection; `closed` is `false` when a read timed out first.
    func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        while true {
            guard let bytes = read() else { return (received, false) }
            if bytes.isEmpty { return (received, true) }
            received += bytes
        }
    }
}
