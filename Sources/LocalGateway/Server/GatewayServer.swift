import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// Serves a ``Gateway`` over HTTP/1.1, with the scheduled functions alongside.
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
        // The gateway writes its own JSON lines; the service group speaks only when something is wrong.
        logger.logLevel = .warning
        let listener = Listener(server: self, executor: .gateway)
        let services: [any Service] = [listener] + (scheduler.map { [$0] } ?? [])
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            // The scheduled runs too share the gateway's one thread.
            try await withTaskExecutorPreference(EventLoopTaskExecutor.gateway) { try await group.run() }
        } catch {
            await gateway.invoker.shutdown()
            throw error
        }
        // Requests in flight have had their answers: now the processes the invoker keeps can go.
        await gateway.invoker.shutdown()
        gateway.log(.notice("stopped"))
    }

    /// The listening socket and its connections, as a service: returns once a graceful shutdown has closed every
    /// connection (idle ones at once, busy ones after their answers).
    private struct Listener: Service {
        let server: GatewayServer
        let executor: EventLoopTaskExecutor

        func run() async throws {
            let gateway = server.gateway
            let limits = server.connectionLimits
            let methods = gateway.routes.methods
            let executor = self.executor
            let quiescing = ServerQuiescingHelper(group: executor.loop)
            let bootstrap = ServerBootstrap(group: executor.loop)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            quiescing.makeServerChannelHandler(channel: channel))
                    }
                }
                // A client that shuts down its side after its request still gets the answer.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
                        decoderLimits.maxHeaderFieldSize = GatewayServer.maximumHeaderBytes
                        decoderLimits.maxHeaderListSize = GatewayServer.maximumHeaderBytes
                        let pipeline = channel.pipeline.syncOperations
                        // Requests are taken one at a time and errors answered by the connection's handler, so
                        // NIO's pipelining and error handlers are left out; the answers' headers are the gateway's
                        // own, already checked.
                        try pipeline.configureHTTPServerPipeline(
                            withPipeliningAssistance: false, withErrorHandling: false,
                            withOutboundHeaderValidation: false, withEncoderConfiguration: .init(),
                            withDecoderLimitConfiguration: decoderLimits)
                        try pipeline.addHandler(
                            HTTP1ConnectionRules(limits: limits, methods: methods, log: gateway.log))
                        try pipeline.addHandler(
                            GatewayConnectionHandler(gateway: gateway, executor: executor, methods: methods))
                    }
                }
            let channel = try await bootstrap.bind(host: server.host, port: server.port).get()
            let port = channel.localAddress?.port ?? server.port
            gateway.log(
                .notice(
                    "listening",
                    fields: [
                        "address": "http://\(server.host):\(port)", "port": String(port),
                        "functions": gateway.template.functions.map(\.logicalID).joined(separator: ","),
                        "routes": String(gateway.routes.routes.count),
                    ]))
            let closed = executor.loop.makePromise(of: Void.self)
            await withGracefulShutdownHandler {
                try? await closed.futureResult.get()
            } onGracefulShutdown: {
                quiescing.initiateShutdown(promise: closed)
            }
        }
    }
}
