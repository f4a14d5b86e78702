import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 connection, with the gateway's handlers where Hummingbird's configuration cannot put them.
///
/// The pipeline is Hummingbird's own (`HTTP1Channel`), with ``HTTP1ConnectionRules`` added where requests and
/// answers still carry their HTTP version and every `Host` line, before the conversion to HTTP types, and
/// ``UnreadableRequestAnswers`` after it, where Hummingbird's answer to a request the parser refused passes.
struct GatewayHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    /// The methods the template's routes take, for the messages that name them.
    let methods: [String]
    let log: @Sendable (GatewayLogLine) -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = GatewayServer.maximumHeaderBytes
            decoderLimits.maxHeaderListSize = GatewayServer.maximumHeaderBytes
            let pipeline = channel.pipeline.syncOperations
            // As Hummingbird sets it up: requests are taken one at a time by the loop below, and errors are answered
            // by it, so NIO's pipelining and error handlers are left out.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: decoderLimits)
            try pipeline.addHandler(HTTP1ConnectionRules(limits: limits, methods: methods, log: log))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(UnreadableRequestAnswers(methods: methods, log: log))
            // Closes idle connections at a graceful shutdown, and the others once their answers are out.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}
