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

    /// Sends `method`, `target` (path and query, as given), `headers` and `body`, adding `Host`, `Connection: close`
    /// and `Content-Length` (unless `headers` frame the body themselves), and reads the whole answer.
    func send(method: [UInt8], target: [UInt8], headers: [(name: String, value: [UInt8])], body: [UInt8]) throws
        -> Response
    {
        var request = method + Array(" ".utf8) + target + Array(" HTTP/1.1\r\n".utf8)
        var fields = headers
        fields.append(("Host", Array("127.0.0.1:\(port)".utf8)))
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
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: errno \(errno)") }

        // The server may answer (413) and close before reading everything: stop writing then, and read its answer.
        var written = 0
        while written < request.count {
            let count = request[written...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 { break }
            written += count
        }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[..<count]
        }
        return received
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
