import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request that the HTTP parser refuses in the service's error envelope.
///
/// NIO's parser refuses some requests before any route is looked up: a header section over its limit, a method it
/// does not know, broken framing. Hummingbird then answers a bare `400` with an empty body and closes the
/// connection. This handler sits between the two: it notes the parser's error on its way in, and when that bare
/// answer goes out, it sends the gateway's own instead, with the status the error calls for and a message that
/// says what to fix.
final class UnreadableRequestAnswers: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Every method the template's routes take, for the message about a method the parser does not know.
    private let methods: [String]
    private let log: @Sendable (GatewayLogLine) -> Void
    /// The parser's error, until the answer to it goes out.
    private var parserError: HTTPParserError?

    init(methods: [String], log: @escaping @Sendable (GatewayLogLine) -> Void) {
        self.methods = methods
        self.log = log
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            parserError = error
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let error = parserError, case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest
        else {
            context.write(data, promise: promise)
            return
        }
        parserError = nil
        let answer = GatewayResponse(.unreadableRequest(error, methods: methods))
        log(.notice("unreadable request", fields: ["status": String(answer.status), "error": "\(error)"]))

        var fields = head.headerFields
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { fields[name] = header.value }
        }
        fields[.contentLength] = String(answer.body.count)
        let replaced = HTTPResponse(status: HTTPResponse.Status(code: answer.status), headerFields: fields)
        context.write(wrapOutboundOut(.head(replaced)), promise: promise)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: answer.body))), promise: nil)
    }
}
