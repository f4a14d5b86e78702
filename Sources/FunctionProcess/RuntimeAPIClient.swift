import FunctionRuntime
import StructuredLog
import SystemSupport
import Timestamps

/// A client of the Lambda Runtime API (`http://$AWS_LAMBDA_RUNTIME_API/2018-06-01`), over one kept-open
/// ``RuntimeAPIConnection``.
///
/// Used only when the process runs as a custom runtime; a process answering one event on standard input never
/// creates one.
struct RuntimeAPIClient: RuntimeAPI {
    private static let base = "/2018-06-01/runtime"
    private let connection: RuntimeAPIConnection

    /// A client of `endpoint` (`host:port`); it connects at the first request.
    ///
    /// - Throws: ``RuntimeAPIConnectionError`` `invalid_endpoint` unless `endpoint` is `host:port`.
    init(endpoint: String) throws(RuntimeAPIConnectionError) {
        connection = try RuntimeAPIConnection(endpoint: endpoint)
    }

    func next() throws -> RuntimeInvocation {
        try invocation(from: connection.exchange([Self.nextRequest])[0])
    }

    func respond(to requestID: String, with body: [UInt8]) throws {
        try post("invocation/\(requestID)/response", body: body, errorType: nil)
    }

    /// The response and `invocation/next` in one write: the Runtime API reads them together, and a gateway serving
    /// it has one read to make and one wake-up where it had two. A response over the limit goes alone: the Runtime
    /// API refuses it, and the runtime stops before asking for more.
    func respondThenNext(to requestID: String, with body: [UInt8]) throws -> RuntimeInvocation {
        guard body.count <= InvocationLimits.maximumPayloadSize else {
            try respond(to: requestID, with: body)
            return try next()
        }
        let path = "invocation/\(requestID)/response"
        let replies = try connection.exchange([Self.post(path, body: body, errorType: nil), Self.nextRequest])
        try Self.check(replies[0], of: path)
        return try invocation(from: replies[1])
    }

    func fail(_ requestID: String, type: String, message: String) throws {
        try post("invocation/\(requestID)/error", body: Self.errorBody(type: type, message: message), errorType: type)
    }

    func failInitialization(type: String, message: String) throws {
        try post("init/error", body: Self.errorBody(type: type, message: message), errorType: type)
    }

    private static let nextRequest = RuntimeAPIConnection.Request(method: "GET", path: "\(base)/invocation/next")

    /// The invocation `invocation/next` answered.
    private func invocation(from reply: RuntimeAPIConnection.Reply) throws -> RuntimeInvocation {
        guard reply.status == 200, let requestID = reply.headers["lambda-runtime-aws-request-id"] else {
            throw RuntimeAPIProtocolFailure(
                description: "invocation/next answered \(reply.status) without a request id")
        }
        let deadline = reply.headers["lambda-runtime-deadline-ms"].flatMap(Int64.init).map(Timestamp.init)
        let context = InvocationContext(
            requestID: requestID, deadline: deadline, traceID: reply.headers["lambda-runtime-trace-id"])
        return RuntimeInvocation(context: context, event: reply.body)
    }

    private func post(_ path: String, body: [UInt8], errorType: String?) throws {
        try Self.check(connection.exchange([Self.post(path, body: body, errorType: errorType)])[0], of: path)
    }

    /// A `POST` of a JSON `body` to `path`, under the runtime's base.
    private static func post(_ path: String, body: [UInt8], errorType: String?) -> RuntimeAPIConnection.Request {
        var headers = [(name: "Content-Type", value: "application/json")]
        if let errorType { headers.append((name: "Lambda-Runtime-Function-Error-Type", value: errorType)) }
        return RuntimeAPIConnection.Request(method: "POST", path: "\(base)/\(path)", headers: headers, body: body)
    }

    /// Throws unless the Runtime API accepted what was posted to `path` (`202`).
    private static func check(_ reply: RuntimeAPIConnection.Reply, of path: String) throws {
        guard reply.status == 202 else {
            throw RuntimeAPIProtocolFailure(
                description: "\(path) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
    }

    /// `{"errorMessage":…,"errorType":…,"stackTrace":[]}`, the Runtime API's error document.
    private static func errorBody(type: String, message: String) -> [UInt8] {
        var json = JSONWriter()
        json.object { json in
            json.field("errorMessage", message)
            json.field("errorType", type)
            json.field("stackTrace", [String]())
        }
        return json.bytes
    }
}
