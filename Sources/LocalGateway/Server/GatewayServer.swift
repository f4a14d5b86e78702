import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import OrderHTTP
import ServiceLifecycle

/// Serves a ``Gateway`` over HTTP/1.1 with Hummingbird, with the scheduled functions alongside.
///
/// SIGINT and SIGTERM stop it gracefully: it stops accepting connections, lets requests in flight finish,
/// then returns.
public struct GatewayServer: Sendable {
    public var gateway: Gateway
    public var host: String
    /// 0 picks a free port; the "listening" log line says which.
    public var port: Int
    public var scheduler: ScheduleRunner?
    /// How long a client connection may keep the gateway waiting.
    public var connectionLimits: ConnectionLimits

    /// The most the gateway reads of a request's header section (and of one header field); more is a 431.
    static let maximumHeaderBytes = 80 * 1024

    /// Serves `gateway` on `host`:`port` (port 0: any free port, named in the `listening` log line), running
    /// `scheduler` beside it when given, under `connectionLimits`.
    public init(
        gateway: Gateway, host: String = "127.0.0.1", port: Int = 3000, scheduler: ScheduleRunner? = nil,
        connectionLimits: ConnectionLimits = ConnectionLimits()
    ) {
        self.gateway = gateway
        self.host = host
        self.port = port
        self.scheduler = scheduler
        self.connectionLimits = connectionLimits
    }

    /// Runs until SIGINT or SIGTERM.
    ///
    /// - Throws: when the address cannot be bound.
    public func run() async throws {
        var logger = Logger(label: "local-gateway")
        // The gateway writes its own JSON lines; Hummingbird speaks only when something is wrong.
        logger.logLevel = .warning
        let gateway = self.gateway
        let host = self.host
        let functions = gateway.template.functions.map(\.logicalID).joined(separator: ",")
        let routes = gateway.routes.routes.count
        let methods = gateway.routes.methods
        let log = gateway.log
        let limits = connectionLimits
        let app = Application(
            responder: GatewayResponder(gateway: gateway),
            server: HTTPServerBuilder { responder in
                GatewayHTTP1Channel(responder: responder, limits: limits, methods: methods, log: log)
            },
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            services: scheduler.map { [$0] } ?? [],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                gateway.log(
                    .notice(
                        "listening",
                        fields: [
                            "address": "http://\(host):\(port)", "port": String(port), "functions": functions,
                            "routes": String(routes),
                        ]))
            },
            logger: logger
        )
        // The request tasks (children of the server's task) run on the event loop that serves their sockets.
        let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
        do {
            try await withTaskExecutorPreference(executor) { try await app.runService() }
        } catch {
            await gateway.invoker.shutdown()
            throw error
        }
        // Requests in flight have had their answers: now the processes the invoker keeps can go.
        await gateway.invoker.shutdown()
        gateway.log(.notice("stopped"))
    }
}

/// Hands every request to the gateway, whatever its path.
struct GatewayResponder: HTTPResponder {
    typealias Context = GatewayRequestContext
    let gateway: Gateway

    func respond(to request: Request, context: GatewayRequestContext) async throws -> Response {
        let (path, query) = GatewayRequest.splitTarget(request.head.path ?? "/")
        // HTTP types keep the first `Host` as the request's authority, not among the fields; the event has it back
        // first, as the client sent it.
        let host = request.head.authority.map { [HeaderField("Host", $0)] } ?? []
        let headers = host + request.headers.map { HeaderField($0.name.rawName, $0.value) }
        let limit = RequestLimits.maximumBodySize
        var body: [UInt8] = []
        var bodyTooLarge = (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > limit
        if !bodyTooLarge {
            do {
                var buffer = try await request.body.collect(upTo: limit)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch is NIOTooManyBytesError {
                // Over the limit while streaming, with no Content-Length to say so up front.
                bodyTooLarge = true
            }
            // Any other error (a body the parser cannot read) goes on to Hummingbird, whose answer
            // `UnreadableRequestAnswers` turns into the envelope.
        }
        let answer = await gateway.respond(
            to: GatewayRequest(
                method: request.method.rawValue, path: path, rawQuery: query, headers: headers, body: body,
                bodyTooLarge: bodyTooLarge, sourceIP: context.sourceIP))
        return Response(answer)
    }
}

/// Hummingbird's request context, plus the client's address for `sourceIp`.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let sourceIP: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        sourceIP = source.channel.remoteAddress?.ipAddress ?? "127.0.0.1"
    }
}

extension Response {
    /// Headers that describe the connection or the framing, which the server sets itself.
    private static let hopByHop: Set<String> = ["content-length", "transfer-encoding", "connection", "keep-alive"]

    init(_ answer: GatewayResponse) {
        var fields = HTTPFields()
        for header in answer.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            guard let name = HTTPField.Name(header.name) else { continue }
            fields.append(HTTPField(name: name, value: header.value))
        }
        self.init(
            status: HTTPResponse.Status(code: answer.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
