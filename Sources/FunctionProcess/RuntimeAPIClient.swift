import FunctionRuntime
import StructuredLog
import SystemSupport
import Timestamps

/// A client of the Lambda Runtime API (`http://$AWS_LAMBDA_RUNTIME_API/2018-06-01`), over one kept-open
/// ``RuntimeAPIConnection``.
///
/// Used only when the process runs as a custom runtime; a process answering one event on standard input never
/// creates one.
///
/// Each request waits for its answer before the next is sent. Sending a response and `invocation/next` together
/// saves a write, but a Runtime API that answers them in two writes with Nagle's algorithm on holds the second
/// until the first is acknowledged, which the runtime delays by 40 ms: every invocation would wait that long.
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
        let reply = try connection.exchange("GET", "\(Self.base)/invocation/next")
        guard reply.status == 200, let requestID = reply.headers["lambda-runtime-aws-request-id"] else {
            throw RuntimeAPIProtocolFailure(
                description: "invocation/next answered \(reply.status) without a request id")
        }
        let deadline = reply.headers["lambda-runtime-deadline-ms"].flatMap(Int64.init).map(Timestamp.init)
        let context = InvocationContext(
            requestID: requestID, deadline: deadline, traceID: reply.headers["lambda-runtime-trace-id"])
        return RuntimeInvocation(context: context, event: reply.body)
    }

    func respond(to requestID: String, with body: [UInt8]) throws {
        try post("invocation/\(requestID)/response", body: body, errorType: nil)
    }

    func fail(_ requestID: String, type: String, message: String) throws {
        try post("invocation/\(requestID)/error", body: Self.errorBody(type: type, message: message), errorType: type)
    }

    func failInitialization(type: String, message: String) throws {
        try post("init/error", body: Self.errorBody(type: type, message: message), errorType: type)
    }

    private func post(_ path: String, body: [UInt8], errorType: String?) throws {
        var headers = [(name: "Content-Type", value: "application/json")]
        if let errorType { headers.append((name: "Lambda-Runtime-Function-Error-Type", value: errorType)) }
        let reply = try connection.exchange("POST", "\(Self.base)/\(path)", headers: headers, body: body)
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
