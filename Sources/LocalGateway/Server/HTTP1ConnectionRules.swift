import NIOCore
import NIOHTTP1
import OrderHTTP

/// How long a client connection may keep the gateway waiting, and how much of a body it answered early it reads.
public struct ConnectionLimits: Sendable, Equatable {
    /// Once the first bytes of a request have arrived, the rest of its header section must arrive within this;
    /// otherwise the connection is closed. A client sending headers a byte at a time holds a connection no longer.
    public var headerTimeout: Duration
    /// A connection waiting for a request that sends nothing for this long is closed, as is one whose request body
    /// stops arriving for this long.
    public var idleTimeout: Duration
    /// When the gateway answers before a request's body has arrived (a 413 for a body over the limit), it reads and
    /// drops the rest of the body, so that a client that sends all of it before reading sees the answer, for at
    /// most this long and ``discardBytes``; then it closes the connection.
    public var discardTime: Duration
    public var discardBytes: Int

    /// The limits `start-api` uses unless told otherwise: 10 s for a header section, 30 s idle, 5 s and 64 MiB of a
    /// refused body drained.
    public init(
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(30),
        discardTime: Duration = .seconds(5), discardBytes: Int = 64 << 20
    ) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.discardTime = discardTime
        self.discardBytes = discardBytes
    }
}

/// The HTTP/1 rules the gateway keeps on each client connection, below ``GatewayConnectionHandler``, which answers
/// the requests:
///
/// - Timeouts (``ConnectionLimits``): a slow or silent client cannot hold a connection open forever.
/// - The answer is in the request's version: an HTTP/1.0 client gets an `HTTP/1.0` answer, never chunked, and its
///   connection is closed after it unless it asked for `keep-alive`.
/// - `Expect: 100-continue` is answered with `100 Continue` when the body is one the gateway will read, and not
///   when its `Content-Length` is over the limit, so that the client gets the 413 without sending the body.
/// - An answer that goes out before its request's body has arrived closes the connection, after reading and
///   dropping the rest of the body for a bounded time, so the client reads the answer instead of a reset.
/// - A request that HTTP does not let the gateway serve is answered here in the error envelope and the connection
///   closed: no `Host` in HTTP/1.1, or `Host` twice (RFC 9112, section 3.2), and `CONNECT`, whose answer NIO's
///   encoder would send without a body, so it is written directly to the wire.
///
/// Requests are answered in order: a refusal, or a `100 Continue`, waits until the answers before it have gone out.
final class HTTP1ConnectionRules: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request passed on whose answer has not gone out yet, oldest first.
    private struct Exchange {
        var version: HTTPVersion
        var keepAlive: Bool
        var bodyComplete = false
        /// A `100 Continue` is owed once the answers before this one have gone out.
        var continueOwed = false
        /// Its answer says `Connection: close`, and the connection closes after it.
        var closesConnection = false
    }

    private enum Phase {
        case open
        /// A request was refused: nothing more is read into the gateway; the refusal goes out once the answers
        /// before it have.
        case refusing(APIError, HTTPVersion)
        /// Answered before its body arrived: the rest of the body is read and dropped, up to a limit.
        case discarding(bytes: Int)
        case closed
    }

    /// What the connection's timer waits for.
    private enum Waiting {
        case nothing
        /// No request in progress and no bytes for one yet.
        case idle
        /// Part of a request's header section has arrived.
        case header
        /// A request's body is arriving.
        case body
        case discard
    }

    private let limits: ConnectionLimits
    /// The methods the template's routes take, named in the answer to `CONNECT`.
    private let methods: [String]
    private let log: @Sendable (GatewayLogLine) -> Void
    private var exchanges = CircularBuffer<Exchange>()
    /// The request whose parts are arriving: the last exchange, until its end has been read.
    private var readingRequest = false
    private var phase = Phase.open
    private var waiting = Waiting.nothing
    /// When what the connection waits for times out.
    private var deadline = NIODeadline.distantFuture
    /// The connection's one timer, and when it fires: at or before `deadline`, and then it looks again (see
    /// ``wait(for:context:)``).
    private var timer: Scheduled<Void>?
    private var timerDeadline = NIODeadline.distantFuture
    /// Whether the current socket read produced any request part: one that did not holds part of a header section.
    private var partsInThisRead = false

    init(limits: ConnectionLimits, methods: [String], log: @escaping @Sendable (GatewayLogLine) -> Void) {
        self.limits = limits
        self.methods = methods
        self.log = log
    }

    // MARK: - Timers

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { wait(for: .idle, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .nothing = waiting { wait(for: .idle, context: context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        phase = .closed
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    /// Starts waiting for `what`, from now. Every request moves the deadline twice, so the timer is not moved with
    /// it: one that fires before the deadline finds it later and is set again for the rest. Scheduling and cancelling
    /// a task for each move cost more than the rest of these rules.
    private func wait(for what: Waiting, context: ChannelHandlerContext) {
        waiting = what
        let timeout: Duration
        switch what {
        case .nothing: return
        case .idle, .body: timeout = limits.idleTimeout
        case .header: timeout = limits.headerTimeout
        case .discard: timeout = limits.discardTime
        }
        deadline = .now() + TimeAmount(timeout)
        if timer != nil, timerDeadline <= deadline { return }
        timer?.cancel()
        setTimer(context)
    }

    private func setTimer(_ context: ChannelHandlerContext) {
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            if case .nothing = waiting { return }
            if NIODeadline.now() < deadline {
                setTimer(context)
            } else {
                close(context)
            }
        }
    }

    /// Waits for nothing; the timer, if set, finds that when it fires.
    private func stopWaiting() {
        waiting = .nothing
    }

    /// Stops waiting, and the timer with it: the connection is going.
    private func cancelTimer() {
        waiting = .nothing
        timer?.cancel()
        timer = nil
    }

    // MARK: - Requests in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partsInThisRead = true
        let part = unwrapInboundIn(data)
        switch phase {
        case .open:
            break
        case .discarding(let bytes):
            if case .body(let buffer) = part, bytes + buffer.readableBytes <= limits.discardBytes {
                phase = .discarding(bytes: bytes + buffer.readableBytes)
            } else {
                // The body has ended (or gone past what is read of it): the answer is out, so the connection goes.
                close(context)
            }
            return
        case .refusing, .closed:
            return
        }

        switch part {
        case .head(let head):
            if let refusal = refusal(of: head) {
                refuse(refusal, version: head.version, context: context)
                return
            }
            var exchange = Exchange(version: head.version, keepAlive: head.isKeepAlive)
            exchange.continueOwed = invitesBody(head)
            exchanges.append(exchange)
            readingRequest = true
            wait(for: .body, context: context)
            if exchange.continueOwed, exchanges.count == 1 { sendContinue(context) }
        case .body:
            wait(for: .body, context: context)
        case .end:
            readingRequest = false
            exchanges[exchanges.index(before: exchanges.endIndex)].bodyComplete = true
            stopWaiting()
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The parser reads nothing more of this connection: the request being read is as complete as it will get,
        // and the connection's handler answers it in the envelope.
        if error is HTTPParserError, readingRequest {
            readingRequest = false
            exchanges[exchanges.index(before: exchanges.endIndex)].bodyComplete = true
        }
        context.fireErrorCaught(error)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        defer { partsInThisRead = false }
        switch phase {
        case .open:
            // Bytes that made no part while no request is being read are the start of a header section.
            if !partsInThisRead, !readingRequest, exchanges.isEmpty, case .idle = waiting {
                wait(for: .header, context: context)
            }
            context.fireChannelReadComplete()
        case .discarding:
            // The layers above may have stopped asking for data; the rest of the body is read all the same.
            context.read()
        case .refusing, .closed:
            break
        }
    }

    /// Why `head` cannot be served, if it cannot.
    private func refusal(of head: HTTPRequestHead) -> APIError? {
        if head.method == .CONNECT { return .tunnelNotServed(methods: methods) }
        let hosts = head.headers["Host"].count
        if hosts > 1 { return .hostRepeated(count: hosts) }
        if hosts == 0, head.version.isAtLeastHTTP11 { return .hostMissing }
        return nil
    }

    /// Whether `head` asks for `100 Continue` and has a body the gateway reads.
    private func invitesBody(_ head: HTTPRequestHead) -> Bool {
        guard head.version.isAtLeastHTTP11,
            head.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" })
        else { return false }
        let length = head.headers["Content-Length"].first.flatMap { Int($0) } ?? 0
        return length <= RequestLimits.maximumBodySize
    }

    private func sendContinue(_ context: ChannelHandlerContext) {
        let head = HTTPResponseHead(version: .http1_1, status: .continue)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    // MARK: - Answers out

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where !exchanges.isEmpty && !(100..<200).contains(head.status.code):
            let exchange = exchanges[exchanges.startIndex]
            head.version = exchange.version
            if !exchange.keepAlive || !exchange.bodyComplete {
                head.headers.replaceOrAdd(name: "Connection", value: "close")
                exchanges[exchanges.startIndex].closesConnection = true
            } else if !exchange.version.isAtLeastHTTP11 {
                head.headers.replaceOrAdd(name: "Connection", value: "keep-alive")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where !exchanges.isEmpty:
            let exchange = exchanges.removeFirst()
            guard exchange.closesConnection else {
                context.write(data, promise: promise)
                answered(context)
                return
            }
            let written = context.writeAndFlush(data)
            written.cascade(to: promise)
            if exchange.bodyComplete {
                written.assumeIsolated().whenComplete { [self] _ in close(context) }
            } else if case .open = phase {
                phase = .discarding(bytes: 0)
                readingRequest = false
                wait(for: .discard, context: context)
                context.read()
            }
        default:
            context.write(data, promise: promise)
        }
    }

    /// An answer has gone out on a connection that stays open: what was waiting for it goes next.
    private func answered(_ context: ChannelHandlerContext) {
        if case .refusing(let error, let version) = phase {
            if exchanges.isEmpty { writeRefusal(error, version: version, context: context) }
            return
        }
        if let next = exchanges.first, next.continueOwed { sendContinue(context) }
        if exchanges.isEmpty, !readingRequest { wait(for: .idle, context: context) }
    }

    private func refuse(_ error: APIError, version: HTTPVersion, context: ChannelHandlerContext) {
        phase = .refusing(error, version)
        readingRequest = false
        stopWaiting()
        if exchanges.isEmpty { writeRefusal(error, version: version, context: context) }
    }

    /// Writes the refusal as bytes under the response encoder, which would drop the body of an answer to `CONNECT`,
    /// then closes the connection.
    private func writeRefusal(_ error: APIError, version: HTTPVersion, context: ChannelHandlerContext) {
        let answer = GatewayResponse(error)
        log(
            .notice(
                "refused request", level: "warning", fields: ["status": String(answer.status), "error": error.message]))
        let status = HTTPResponseStatus(statusCode: answer.status)
        var text = "HTTP/\(version.major).\(version.minor) \(answer.status) \(status.reasonPhrase)\r\n"
        for header in answer.headers { text += "\(header.name): \(header.value)\r\n" }
        text += "Content-Length: \(answer.body.count)\r\nConnection: close\r\n\r\n"
        var bytes = ByteBuffer(string: text)
        bytes.writeBytes(answer.body)
        guard let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) else {
            return close(context)
        }
        encoder.writeAndFlush(NIOAny(IOData.byteBuffer(bytes))).assumeIsolated().whenComplete { [self] _ in
            close(context)
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        if case .closed = phase { return }
        phase = .closed
        cancelTimer()
        context.close(promise: nil)
    }
}

extension HTTPVersion {
    fileprivate var isAtLeastHTTP11: Bool { major > 1 || (major == 1 && minor >= 1) }
}
