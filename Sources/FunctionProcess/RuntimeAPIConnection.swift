import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 connection to the Runtime API (`AWS_LAMBDA_RUNTIME_API`, `host:port`), kept open between requests.
///
/// The Runtime API is a fixed, small protocol on loopback: four requests, each answered with a status, a few
/// headers and a body. A warm runtime makes two of them per invocation, and over libcurl they cost a worker an eighth
/// of its CPU; this plain client writes each request with one system call and reads the reply into one buffer. It
/// connects on the first request, and again after the Runtime API closes the connection (a reply with
/// `Connection: close`, or one framed by the end of the connection); a request on a kept-open connection that the
/// server had already closed is sent once more on a new one. Replies may be framed by `Content-Length`, chunked, or
/// by the end of the connection. There is no time limit: `invocation/next` waits as long as the Runtime API holds it.
///
/// Not for other servers: no TLS, no redirects, no proxies. Webhooks go through `CurlHTTPClient`.
final class RuntimeAPIConnection {
    /// A reply: its status, its header values by lower-case name, and its body.
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    private let host: String
    private let port: String
    /// The `Host` header: the endpoint as given.
    private let authority: String
    /// The connected socket, or -1 between connections.
    private var descriptor: Int32 = -1
    /// Bytes received and not yet taken; `start` is where the untaken part begins.
    private var received: [UInt8] = []
    private var start = 0
    /// Where each read lands before it is appended to `received`; never cleared, since only what a read fills is
    /// copied out.
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)

    /// A connection to `endpoint`, opened at the first request.
    ///
    /// - Throws: ``RuntimeAPIConnectionError`` `invalid_endpoint` unless `endpoint` is `host:port` (an IPv6 host in
    ///   brackets).
    init(endpoint: String) throws(RuntimeAPIConnectionError) {
        guard let colon = endpoint.lastIndex(of: ":"), let port = UInt16(endpoint[endpoint.index(after: colon)...]),
            port > 0
        else {
            throw RuntimeAPIConnectionError(
                code: "invalid_endpoint", message: "AWS_LAMBDA_RUNTIME_API is not host:port: \(endpoint)")
        }
        var host = endpoint[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else {
            throw RuntimeAPIConnectionError(
                code: "invalid_endpoint", message: "AWS_LAMBDA_RUNTIME_API has no host: \(endpoint)")
        }
        self.host = String(host)
        self.port = String(port)
        authority = endpoint
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        chunk.deallocate()
    }

    /// A request to send.
    struct Request {
        var method: String
        var path: String
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
    }

    /// Sends `requests` with one system call, without waiting for a reply between them (HTTP/1.1 pipelining), and
    /// waits for all their replies, in order. A server that closes the connection after a reply (`Connection:
    /// close`) has not read the requests after it: they are sent again on a new connection. The replies of a
    /// pipeline are acknowledged as they arrive, so a server that writes them one by one is not held up
    /// (``acknowledgeAtOnce()``).
    ///
    /// - Throws: ``RuntimeAPIConnectionError`` when the endpoint cannot be reached (`connect_failed`), the
    ///   connection fails or ends before the replies are complete (`connection_lost`), or a reply is not HTTP/1.x
    ///   (`malformed_reply`); the replies already read are lost with the error.
    func exchange(_ requests: [Request]) throws(RuntimeAPIConnectionError) -> [Reply] {
        var replies: [Reply] = []
        // A kept-open connection may have been closed by the server unseen: found out by the write or by a read
        // that gets nothing, and then the requests are sent once more on a new connection.
        var mayBeClosed = descriptor >= 0
        do {
            while replies.count < requests.count {
                if descriptor < 0 { try open() }
                let unanswered = requests[replies.count...]
                do {
                    try write(unanswered.reduce(into: []) { bytes, request in bytes += encoded(request) })
                    if unanswered.count > 1 { acknowledgeAtOnce() }
                    for _ in unanswered.indices {
                        replies.append(try readReply())
                        mayBeClosed = false
                        if descriptor < 0 { break }
                    }
                } catch let error where mayBeClosed && error.beforeReply {
                    disconnect()
                    mayBeClosed = false
                }
            }
            return replies
        } catch {
            disconnect()
            throw error
        }
    }

    /// The request's bytes: its head, then its body.
    private func encoded(_ request: Request) -> [UInt8] {
        var head = "\(request.method) \(request.path) HTTP/1.1\r\nHost: \(authority)\r\n"
        for header in request.headers { head += "\(header.name): \(header.value)\r\n" }
        if request.method != "GET" { head += "Content-Length: \(request.body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + request.body
    }

    // MARK: - The connection

    private func open() throws(RuntimeAPIConnectionError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var addresses: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, port, &hints, &addresses)
        guard resolved == 0, let first = addresses else {
            throw RuntimeAPIConnectionError(
                code: "connect_failed",
                message: "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(first) }
        var failure = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate?.pointee {
            candidate = address.ai_next
            let opened = socket(address.ai_family, address.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard opened >= 0 else {
                failure = errno
                continue
            }
            if retryingOnInterrupt({ connect(opened, address.ai_addr, address.ai_addrlen) }) == 0 {
                // Each request is written whole at once; waiting to gather more would only delay it.
                var on: Int32 = 1
                setsockopt(opened, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                descriptor = opened
                received.removeAll(keepingCapacity: true)
                start = 0
                return
            }
            failure = errno
            close(opened)
        }
        throw RuntimeAPIConnectionError(
            code: "connect_failed", message: "cannot connect to \(authority): \(String(cString: strerror(failure)))")
    }

    /// Acknowledges what arrives next at once (TCP_QUICKACK, which the kernel turns off again by itself). A server
    /// that answers pipelined requests in separate writes with Nagle's algorithm on holds each answer until the one
    /// before is acknowledged, and a delayed acknowledgement would hold it 40 ms.
    private func acknowledgeAtOnce() {
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    private func disconnect() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        received.removeAll(keepingCapacity: true)
        start = 0
    }

    private func write(_ bytes: [UInt8]) throws(RuntimeAPIConnectionError) {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a connection the server has closed is an error to handle, not SIGPIPE killing the process.
            let count = bytes.withUnsafeBytes { buffer in
                retryingOnInterrupt {
                    send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                }
            }
            guard count > 0 else {
                throw RuntimeAPIConnectionError(
                    code: "connection_lost",
                    message: "cannot send to \(authority): \(String(cString: strerror(errno)))",
                    beforeReply: true)
            }
            sent += count
        }
    }

    /// Reads more bytes into `received`; returns false at the end of the connection.
    private func receive() throws(RuntimeAPIConnectionError) -> Bool {
        let count = retryingOnInterrupt { recv(descriptor, chunk.baseAddress, chunk.count, 0) }
        guard count >= 0 else {
            throw RuntimeAPIConnectionError(
                code: "connection_lost", message: "cannot read from \(authority): \(String(cString: strerror(errno)))")
        }
        received.append(contentsOf: chunk[..<count])
        return count > 0
    }

    // MARK: - The reply

    private func readReply() throws(RuntimeAPIConnectionError) -> Reply {
        // What the last reply left: nothing, unless the server sent more than it was asked for.
        received.removeSubrange(..<start)
        start = 0
        var first = true
        while true {
            let head = try readLines(first: first)
            first = false
            // `HTTP/1.1 200 OK`
            guard let statusLine = head.first, statusLine.starts(with: "HTTP/1.".utf8),
                let status = Int(String(decoding: statusLine.dropFirst(9).prefix(3), as: UTF8.self))
            else {
                throw RuntimeAPIConnectionError(
                    code: "malformed_reply", message: "\(authority) did not answer in HTTP/1.x")
            }
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
                let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
                headers[name] = String(decoding: line[(colon + 1)...].trimmingSpaces(), as: UTF8.self)
            }
            // An interim reply (`100 Continue`) has no body; the real one follows.
            if (100..<200).contains(status) { continue }
            let keepsOpen =
                headers["connection"]?.lowercased() != "close"
                && (statusLine.starts(with: "HTTP/1.1".utf8) || headers["connection"]?.lowercased() == "keep-alive")
            let body: [UInt8]
            if status == 204 || status == 304 {
                body = []
            } else if headers["transfer-encoding"]?.lowercased().hasSuffix("chunked") == true {
                body = try readChunks()
            } else if let length = headers["content-length"] {
                guard let length = Int(length), length >= 0 else {
                    throw RuntimeAPIConnectionError(
                        code: "malformed_reply", message: "\(authority) sent Content-Length: \(length)")
                }
                body = try take(length)
            } else {
                body = try readToEnd()
                disconnect()
                return Reply(status: status, headers: headers, body: body)
            }
            if !keepsOpen { disconnect() }
            return Reply(status: status, headers: headers, body: body)
        }
    }

    /// The lines of a head, up to the empty line that ends it, without their line ends.
    private func readLines(first: Bool) throws(RuntimeAPIConnectionError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        while true {
            let line = try readLine(startOfReply: first && lines.isEmpty)
            if line.isEmpty { return lines }
            lines.append(line)
        }
    }

    /// One line, without its `\r\n` (or bare `\n`).
    private func readLine(startOfReply: Bool = false) throws(RuntimeAPIConnectionError) -> ArraySlice<UInt8> {
        var searched = start
        while true {
            if let newline = received[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = received[start..<newline]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                start = newline + 1
                return line
            }
            searched = received.count
            // Nothing of the reply has come: a failure now means the request never reached a live connection.
            let nothingYet = startOfReply && start == received.count
            let more: Bool
            do {
                more = try receive()
            } catch {
                throw RuntimeAPIConnectionError(code: error.code, message: error.message, beforeReply: nothingYet)
            }
            guard more else {
                throw RuntimeAPIConnectionError(
                    code: "connection_lost", message: "\(authority) closed the connection before the reply ended",
                    beforeReply: nothingYet)
            }
        }
    }

    /// The next `count` bytes.
    private func take(_ count: Int) throws(RuntimeAPIConnectionError) -> [UInt8] {
        while received.count - start < count {
            guard try receive() else {
                throw RuntimeAPIConnectionError(
                    code: "connection_lost", message: "\(authority) closed the connection before the reply's body ended"
                )
            }
        }
        defer { start += count }
        return Array(received[start..<start + count])
    }

    /// A chunked body: each chunk's size in hex, its bytes, then a chunk of size 0 and the trailer lines.
    private func readChunks() throws(RuntimeAPIConnectionError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            let digits = sizeLine.prefix { $0 != UInt8(ascii: ";") }.trimmingSpaces()
            guard let size = Int(String(decoding: digits, as: UTF8.self), radix: 16), size >= 0 else {
                throw RuntimeAPIConnectionError(
                    code: "malformed_reply", message: "\(authority) sent a chunk without a size")
            }
            if size == 0 {
                _ = try readLines(first: false)  // The trailer.
                return body
            }
            body += try take(size)
            guard try readLine().isEmpty else {
                throw RuntimeAPIConnectionError(
                    code: "malformed_reply", message: "\(authority) sent a chunk longer than its size")
            }
        }
    }

    /// Everything until the server closes the connection.
    private func readToEnd() throws(RuntimeAPIConnectionError) -> [UInt8] {
        while try receive() {}
        defer { start = received.count }
        return Array(received[start...])
    }
}

/// The Runtime API could not be reached, or its reply could not be read.
struct RuntimeAPIConnectionError: Error, CustomStringConvertible {
    /// `invalid_endpoint`, `connect_failed`, `connection_lost` or `malformed_reply`.
    var code: String
    var message: String
    /// Whether the request failed before any of its reply came: on a kept-open connection, the server had closed it.
    var beforeReply = false

    var description: String { "\(code): \(message)" }
}

extension ArraySlice<UInt8> {
    /// Without the spaces and tabs around a header value.
    fileprivate func trimmingSpaces() -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
