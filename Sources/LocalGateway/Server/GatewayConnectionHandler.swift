import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import OrderHTTP

/// Serves the requests of one client connection: reads each whole, has the ``Gateway`` answer it in a task on the
/// connection's event loop, and writes the answer, in the order the requests came.
///
/// It sits above ``HTTP1ConnectionRules``, which keeps the connection's timeouts, versions and refusals. What it
/// adds to the gateway's answer is what API Gateway's front door adds: `Content-Length`, `Date`, and the removal of
/// the headers that describe the connection (which the server sets itself). A request the HTTP parser refuses is
/// answered in the service's error envelope, with the status the parser's error calls for, and the connection
/// closed. At a graceful shutdown (`ChannelShouldQuiesceEvent`) an idle connection closes at once, a busy one once
/// its answer is out.
///
/// Everything here runs on the connection's event loop; the answer's task runs on the same thread
/// (``EventLoopTaskExecutor``), so a request crosses no thread.
final class GatewayConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPServerResponsePart

    /// A request whose parts have all arrived, or whose body went over the limit (answered without the rest).
    private struct Pending {
        var head: HTTPRequestHead
        var body: [UInt8]
        var bodyTooLarge: Bool
    }

    private enum Reading {
        case nothing
        /// The request's body is arriving.
        case body(Pending)
        /// The body went over the limit and the request has been passed on; its remaining parts are dropped.
        case dropping
    }

    private let gateway: Gateway
    private let executor: EventLoopTaskExecutor
    private let log: @Sendable (GatewayLogLine) -> Void
    /// The methods the template's routes take, for the messages that name them.
    private let methods: [String]
    private var reading = Reading.nothing
    /// A request has been handed to the gateway and its answer is not written yet.
    private var answering = false
    /// Requests read while an answer was owed, oldest first: only a client that pipelines has any.
    private var waiting = CircularBuffer<Pending>()
    /// The parser refused the bytes after the requests above; answered once they are.
    private var unreadable: HTTPParserError?
    /// Close once the answers owed are out: the client closed its side, or the gateway is shutting down.
    private var closeWhenAnswered = false
    /// A read the channel asked for while requests were waiting; done once they are taken.
    private var readHeld = false
    private var sourceIP = "127.0.0.1"
    private var date = HTTPDate()

    init(gateway: Gateway, executor: EventLoopTaskExecutor, methods: [String]) {
        self.gateway = gateway
        self.executor = executor
        self.log = gateway.log
        self.methods = methods
    }

    func handlerAdded(context: ChannelHandlerContext) {
        sourceIP = context.channel.remoteAddress?.ipAddress ?? "127.0.0.1"
    }

    // MARK: - Requests in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let declared = head.headers.first(name: "Content-Length").flatMap { Int($0) } ?? 0
            let request = Pending(head: head, body: [], bodyTooLarge: declared > RequestLimits.maximumBodySize)
            if request.bodyTooLarge {
                // Answered now, as the 413 needs nothing of the body; the rules below drain it and close.
                reading = .dropping
                received(request, context: context)
            } else {
                reading = .body(request)
            }
        case .body(let part):
            guard case .body(var request) = reading else { return }
            reading = .nothing  // Not shared while it grows, so the bytes are not copied.
            if request.body.count + part.readableBytes > RequestLimits.maximumBodySize {
                request.bodyTooLarge = true
                request.body = []
                reading = .dropping
                received(request, context: context)
            } else {
                request.body += part.readableBytesView
                reading = .body(request)
            }
        case .end:
            if case .body(let request) = reading { received(request, context: context) }
            reading = .nothing
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // The parser reads nothing more of this connection: a request it was reading is dropped, and the refusal is
        // the last answer.
        reading = .nothing
        unreadable = error
        if !answering { answerNext(context: context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            closeOnceAnswered(context: context)
        case ChannelEvent.inputClosed:
            // The client sends nothing more; what it sent is answered first.
            closeOnceAnswered(context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func read(context: ChannelHandlerContext) {
        // A client that pipelines is read no further than one request ahead of its answers.
        if waiting.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    private func closeOnceAnswered(context: ChannelHandlerContext) {
        closeWhenAnswered = true
        if !answering, waiting.isEmpty, case .nothing = reading { context.close(promise: nil) }
    }

    private func received(_ request: Pending, context: ChannelHandlerContext) {
        if answering {
            waiting.append(request)
        } else {
            answer(request, context: context)
        }
    }

    /// Answers the next request waiting, the parser's refusal once none is left, or closes the connection when it
    /// should close.
    private func answerNext(context: ChannelHandlerContext) {
        if let next = waiting.popFirst() {
            if readHeld, waiting.isEmpty {
                readHeld = false
                context.read()
            }
            answer(next, context: context)
        } else if let error = unreadable {
            unreadable = nil
            refuseUnreadable(error, context: context)
        } else if closeWhenAnswered, case .nothing = reading {
            context.close(promise: nil)
        }
    }

    private func answer(_ pending: Pending, context: ChannelHandlerContext) {
        answering = true
        let head = pending.head
        let (path, query) = GatewayRequest.splitTarget(Self.originForm(of: head.uri))
        let request = GatewayRequest(
            method: head.method.rawValue, path: path, rawQuery: query, headers: Self.fields(of: head.headers),
            body: pending.body, bodyTooLarge: pending.bodyTooLarge, sourceIP: sourceIP)
        let gateway = self.gateway
        let connection = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        Task(executorPreference: executor) {
            let answer = await gateway.respond(to: request)
            let write: @Sendable () -> Void = {
                let (handler, context) = connection.value
                handler.write(answer, context: context)
            }
            if connection.eventLoop.inEventLoop { write() } else { connection.eventLoop.execute(write) }
        }
    }

    // MARK: - Answers out

    /// Headers that describe the connection or the framing, which the server sets itself.
    private static let hopByHop = ["Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"]

    private func write(_ answer: GatewayResponse, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(answer.headers.count + 3)
        var dated = false
        for header in answer.headers where !Self.hopByHop.contains(where: header.name.equalsIgnoringCase) {
            // As HTTP's field rules have it: a name that is no token is dropped, a value's forbidden bytes become
            // spaces.
            guard let name = HTTPField.Name(header.name) else { continue }
            if name == .date {
                guard !dated else { continue }
                dated = true
                headers.add(name: name.rawName, value: date.now())
            } else {
                headers.add(name: name.rawName, value: HTTPField(name: name, value: header.value).value)
            }
        }
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if !dated { headers.add(name: "Date", value: date.now()) }
        if closeWhenAnswered, waiting.isEmpty { headers.add(name: "Connection", value: "close") }
        send(status: answer.status, headers: headers, body: answer.body, context: context)
        answering = false
        answerNext(context: context)
    }

    /// The answer to bytes the parser refused: the envelope with the status the error calls for; then the
    /// connection closes.
    private func refuseUnreadable(_ error: HTTPParserError, context: ChannelHandlerContext) {
        let answer = GatewayResponse(.unreadableRequest(error, methods: methods))
        log(.notice("unreadable request", fields: ["status": String(answer.status), "error": "\(error)"]))
        var headers = HTTPHeaders([("Connection", "close"), ("Content-Length", String(answer.body.count))])
        for header in answer.headers { headers.replaceOrAdd(name: header.name, value: header.value) }
        closeWhenAnswered = true
        send(status: answer.status, headers: headers, body: answer.body, context: context)
        context.close(promise: nil)
    }

    private func send(status code: Int, headers: HTTPHeaders, body: [UInt8], context: ChannelHandlerContext) {
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !body.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    // MARK: - The request as the gateway sees it

    /// The request target in origin form (`/order/1?x=y`): an absolute-form target (`http://host/order/1`, which
    /// HTTP/1.1 servers must accept) loses its scheme and authority; any other is kept as sent.
    static func originForm(of target: String) -> String {
        guard !target.hasPrefix("/"), let components = URLComponents(string: target), components.scheme != nil,
            let text = components.string
        else { return target }
        let path = components.rangeOfPath.map { String(text[$0]) } ?? ""
        let query = components.rangeOfQuery.map { "?" + text[$0] } ?? ""
        return (path.isEmpty ? "/" : path) + query
    }

    /// The request's header fields in the order received, names as sent, but the first `Host`, which comes first:
    /// the authority of the request, as the event has it.
    static func fields(of headers: HTTPHeaders) -> [HeaderField] {
        var fields: [HeaderField] = []
        fields.reserveCapacity(headers.count)
        var host: HeaderField?
        for (name, value) in headers {
            if host == nil, name.equalsIgnoringCase("Host") {
                host = HeaderField(name, value)
            } else {
                fields.append(HeaderField(name, value))
            }
        }
        if let host { fields.insert(HeaderField("Host", host.value), at: 0) }
        return fields
    }
}

/// The `Date` header's text (RFC 9110, section 5.6.7: `Wed, 02 Dec 2026 09:13:02 GMT`), made once a second.
struct HTTPDate {
    private var second = -1
    private var text = ""

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The current time's text.
    mutating func now() -> String {
        var seconds = time(nil)
        guard seconds != second else { return text }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        text =
            "\(Self.days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(Self.months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        second = seconds
        return text
    }
}
