import Foundation
import FunctionRuntime
import NIOCore
import NIOHTTP1
import NIOPosix
import StructuredLog
import Synchronization
import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The Lambda Runtime API (`/2018-06-01/runtime/...`) for one worker, over HTTP/1.1 on `127.0.0.1`, a free port.
///
/// As in Lambda, each execution environment has an endpoint of its own: the paths name no function and no
/// process, so the port is what tells the gateway which worker took which invocation, and so which process to
/// kill at a timeout and which request to fail when a process dies. The worker's queue is its function's.
///
/// Served by a plain NIO pipeline whose handler answers on the event loop: every warm invocation makes two
/// requests here, and a server that hands each to a task on another thread costs as much again as the rest.
///
/// Only the worker's process and its descendants may use the endpoint: whoever else on the machine connects could
/// otherwise take the worker's invocations (clients' `Authorization` headers and bodies) and answer them. An endpoint
/// that no one else can reach, such as a Unix socket in a private directory, is not possible: Lambda's contract is
/// `AWS_LAMBDA_RUNTIME_API=host:port`, and runtimes speak HTTP over TCP to it. So each connection is checked when it
/// is accepted, before anything is read from it: the process holding its other end is found from `/proc`
/// (``LoopbackPeer``) and must be the worker or one of its children; any other is closed at once, unanswered, and
/// logged. A connection that arrives before the gateway knows the worker's process id (it may connect before the
/// spawn returns) waits for it.
struct RuntimeAPIEndpoint: Sendable {
    let port: Int
    private let channel: any Channel
    private let worker: WorkerProcess

    /// Starts listening; returns once the port is bound. Connections wait until ``admit(processID:)`` names the
    /// worker's process.
    ///
    /// - Throws: ``GatewayError`` `listen_failed` when no port can be bound.
    static func start(pool: FunctionPool, worker id: Int) async throws(GatewayError) -> RuntimeAPIEndpoint {
        let worker = WorkerProcess()
        let function = pool.function.logicalID
        let log = pool.log
        let bootstrap = ServerBootstrap(group: EventLoopTaskExecutor.gateway.loop)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                worker.processID(on: channel.eventLoop).flatMapThrowing { processID in
                    guard let processID, let client = channel.remoteAddress, let port = channel.localAddress?.port,
                        LoopbackPeer.isHeld(client: client, serverPort: port, byProcessTreeOf: processID)
                    else {
                        log(
                            .notice(
                                "runtime api connection refused", level: "warning",
                                fields: [
                                    "function": function, "client": channel.remoteAddress?.description ?? "unknown",
                                    "reason": "not the worker's process or one of its children",
                                ]))
                        // A failed initializer closes the connection before anything is read from it.
                        throw NotTheWorker()
                    }
                    // No pipelining handler: it stops reading the socket while an answer is owed, which for a
                    // worker waiting in `invocation/next` is every invocation, two `epoll_ctl` calls each time;
                    // ``RuntimeAPIHandler`` keeps the answers in order itself. No check of the answers' header
                    // values either: the gateway writes them, from values NIO's parser has already let in.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: false, withOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(RuntimeAPIHandler(pool: pool, worker: id))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        } catch {
            throw GatewayError(code: "listen_failed", message: "Runtime API: \(error)")
        }
        guard let port = channel.localAddress?.port else {
            channel.close(promise: nil)
            throw GatewayError(code: "listen_failed", message: "Runtime API: the socket has no port")
        }
        return RuntimeAPIEndpoint(port: port, channel: channel, worker: worker)
    }

    private init(port: Int, channel: any Channel, worker: WorkerProcess) {
        self.port = port
        self.channel = channel
        self.worker = worker
    }

    /// Names the worker's process: from now on it and its descendants may connect, and no other process.
    func admit(processID: pid_t) {
        worker.started(processID)
    }

    /// Stops listening; connections still waiting for the worker's process id are closed. The worker's own
    /// connection ends with its process.
    func stop() {
        worker.started(nil)
        channel.close(promise: nil)
    }

    private struct NotTheWorker: Error {}
}

/// The process id of an endpoint's worker, once its spawn has returned it, and the connections waiting for it.
private final class WorkerProcess: Sendable {
    private enum State {
        case waiting([EventLoopPromise<pid_t?>])
        /// `nil` once the endpoint has stopped without a process.
        case known(pid_t?)
    }

    private let state = Mutex(State.waiting([]))

    /// The worker's process id, or `nil` when the endpoint stopped without one, on `loop`.
    func processID(on loop: any EventLoop) -> EventLoopFuture<pid_t?> {
        let promise = loop.makePromise(of: pid_t?.self)
        let known: pid_t?? = state.withLock { state in
            switch state {
            case .known(let processID):
                return .some(processID)
            case .waiting(var promises):
                promises.append(promise)
                state = .waiting(promises)
                return nil
            }
        }
        if let known { promise.succeed(known) }
        return promise.futureResult
    }

    /// Records the process id (the first one given wins) and lets the waiting connections be checked.
    func started(_ processID: pid_t?) {
        let waiting: [EventLoopPromise<pid_t?>] = state.withLock { state in
            guard case .waiting(let promises) = state else { return [] }
            state = .known(processID)
            return promises
        }
        for promise in waiting { promise.succeed(processID) }
    }
}

/// Answers the four Runtime API requests a custom runtime makes, on one connection, in the order they came.
final class RuntimeAPIHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// One request as read.
    private struct Request {
        var head: HTTPRequestHead
        var body = ByteBuffer()
        /// The body went over ``InvocationLimits/maximumPayloadSize``; the rest of it was dropped.
        var bodyTooLarge = false
    }

    private let pool: FunctionPool
    private let worker: Int
    /// The request whose parts are arriving.
    private var reading: Request?
    /// A request has been routed and its answer has not been written yet (`invocation/next` waiting for one).
    private var answerOwed = false
    /// Requests that arrived while an answer was owed, oldest first. A runtime sends its next request once it has
    /// the answer to the last, so this stays empty but for a client that pipelines.
    private var waiting = CircularBuffer<Request>()
    /// Between a read and its `channelReadComplete`: answers written meanwhile are flushed together there.
    private var inRead = false
    /// Answers have been written and not flushed.
    private var flushOwed = false

    init(pool: FunctionPool, worker: Int) {
        self.pool = pool
        self.worker = worker
    }

    private static let prefix = "/2018-06-01/runtime/"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inRead = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            reading = Request(head: head)
        case .body(var part):
            guard var request = reading else { return }
            reading = nil  // Not shared while it grows, so the buffer is not copied.
            if request.bodyTooLarge
                || request.body.readableBytes + part.readableBytes > InvocationLimits.maximumPayloadSize
            {
                request.bodyTooLarge = true
            } else {
                request.body.writeBuffer(&part)
            }
            reading = request
        case .end:
            guard let request = reading else { return }
            reading = nil
            if answerOwed {
                waiting.append(request)
            } else {
                route(request, context: context)
            }
        }
    }

    /// A runtime that sends its response and `invocation/next` together waits for both answers: when the next
    /// invocation is not there yet, the response's `202` waits for it, and the runtime is woken once, by one write,
    /// instead of twice. A runtime that sends one request at a time has each answer flushed at the end of its read.
    func channelReadComplete(context: ChannelHandlerContext) {
        inRead = false
        if flushOwed, !answerOwed {
            flushOwed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inRead = false  // What a decoder hands over as the connection ends comes with no read to complete.
        context.fireChannelInactive()
    }

    /// Writes the end of an answer: flushed at once, or, during a read, at its end (``channelReadComplete(context:)``).
    /// The last answer on a connection is flushed at once: nothing follows it.
    fileprivate func end(context: ChannelHandlerContext, last: Bool) -> EventLoopFuture<Void> {
        let end = NIOAny(HTTPServerResponsePart.end(nil))
        guard inRead, !last else {
            flushOwed = false
            return context.writeAndFlush(end)
        }
        flushOwed = true
        return context.write(end)
    }

    /// The answer owed has been written: the next request waiting, if one is, is routed now.
    fileprivate func answered(context: ChannelHandlerContext) {
        answerOwed = false
        if let next = waiting.popFirst() { route(next, context: context) }
    }

    private func route(_ request: Request, context: ChannelHandlerContext) {
        answerOwed = true
        var body = request.body
        let bodyTooLarge = request.bodyTooLarge
        let head = request.head
        let reply = Reply(context: context, handler: self, keepAlive: head.isKeepAlive)
        // Read as bytes: a path is ASCII, and splitting it by `Character` cost a tenth of the gateway's instructions
        // per request.
        let target = head.uri.utf8
        let path = target[..<(target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex)]
        guard path.starts(with: Self.prefix.utf8) else {
            return reply.error(.notFound, "UnknownPath", "No such Runtime API path.")
        }
        let parts = path.dropFirst(Self.prefix.utf8.count).split(
            separator: UInt8(ascii: "/"), omittingEmptySubsequences: false
        ).map { Substring($0) }
        switch (head.method, parts.count, parts.first, parts.last) {
        case (.GET, 2, "invocation", "next"):
            let function = pool.function.logicalID
            pool.next(worker: worker) { invocation in reply.invocation(invocation, function: function) }
        case (.POST, 3, "invocation", "response"):
            let requestID = String(parts[1])
            if bodyTooLarge {
                let receipt = pool.respondTooLarge(worker: worker, requestID: requestID)
                guard receipt == .accepted else { return reply.receipt(receipt) }
                reply.error(
                    .payloadTooLarge, "RequestEntityTooLarge",
                    "The response is over \(InvocationLimits.maximumPayloadSize) bytes.")
            } else {
                let output = body.readBytes(length: body.readableBytes) ?? []
                reply.receipt(pool.respond(worker: worker, requestID: requestID, body: output))
            }
        case (.POST, 3, "invocation", "error"):
            let (type, message) = errorReport(head, &body)
            reply.receipt(pool.fail(worker: worker, requestID: String(parts[1]), type: type, message: message))
        case (.POST, 2, "init", "error"):
            let (type, message) = errorReport(head, &body)
            pool.failInitialization(worker: worker, type: type, message: message)
            reply.receipt(.accepted)
        default:
            reply.error(.notFound, "UnknownPath", "No such Runtime API path: \(head.method) \(Substring(path)).")
        }
    }

    /// The error type (header, else body) and message of an `error` post.
    private func errorReport(_ head: HTTPRequestHead, _ body: inout ByteBuffer) -> (type: String, message: String) {
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        let type =
            head.headers.first(name: "Lambda-Runtime-Function-Error-Type") ?? object?["errorType"] as? String
            ?? "Unknown"
        let message = object?["errorMessage"] as? String ?? String(decoding: bytes.prefix(1024), as: UTF8.self)
        return (type, message)
    }
}

/// The answer to one Runtime API request, written on the connection's event loop, whichever thread it comes from.
private struct Reply: Sendable {
    private let context: NIOLoopBound<ChannelHandlerContext>
    private let handler: NIOLoopBound<RuntimeAPIHandler>
    private let keepAlive: Bool

    init(context: ChannelHandlerContext, handler: RuntimeAPIHandler, keepAlive: Bool) {
        self.context = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.handler = NIOLoopBound(handler, eventLoop: context.eventLoop)
        self.keepAlive = keepAlive
    }

    /// `invocation/next`'s answer: the event with Lambda's headers, or an error that makes a runtime exit when the
    /// worker is being stopped, as the protocol asks.
    func invocation(_ invocation: WarmInvocation?, function: String) {
        guard let invocation else {
            return error(.internalServerError, "ShuttingDown", "This execution environment is shutting down.")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Lambda-Runtime-Aws-Request-Id", value: invocation.requestID)
        headers.add(name: "Lambda-Runtime-Deadline-Ms", value: String(invocation.deadlineMilliseconds))
        headers.add(
            name: "Lambda-Runtime-Invoked-Function-Arn",
            value: "arn:aws:lambda:us-east-1:123456789012:function:\(function)")
        if let trace = invocation.traceID { headers.add(name: "Lambda-Runtime-Trace-Id", value: trace) }
        send(.ok, headers: headers, body: invocation.event)
    }

    func receipt(_ receipt: FunctionPool.Receipt) {
        switch receipt {
        case .accepted: send(.accepted, body: Array(#"{"status":"OK"}"#.utf8))
        case .unknownRequest:
            error(.badRequest, "InvalidRequestID", "No invocation in flight on this worker has that id.")
        }
    }

    /// Lambda's error body: `{"errorMessage", "errorType"}`.
    func error(_ status: HTTPResponseStatus, _ type: String, _ message: String) {
        var json = JSONWriter()
        json.object { json in
            json.field("errorMessage", message)
            json.field("errorType", type)
        }
        send(status, body: json.bytes)
    }

    private func send(_ status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8]) {
        var headers = headers
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        let keepAlive = self.keepAlive
        let context = self.context
        let handler = self.handler
        let write: @Sendable () -> Void = {
            context.value.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
            context.value.write(
                NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let written = handler.value.end(context: context.value, last: !keepAlive)
            if keepAlive {
                handler.value.answered(context: context.value)
            } else {
                written.whenComplete { _ in context.value.close(promise: nil) }
            }
        }
        if context.eventLoop.inEventLoop {
            write()
        } else {
            context.eventLoop.execute(write)
        }
    }
}
