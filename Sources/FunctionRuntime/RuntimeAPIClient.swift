import CurlHTTP
import FoundationEssentials
import Timestamps

/// A client of the Lambda Runtime API (`http://$AWS_LAMBDA_RUNTIME_API/2018-06-01`), over libcurl.
///
/// Used only when the process runs as a custom runtime; a process answering one event on standard input never
/// creates one, so never loads libcurl.
struct RuntimeAPIClient {
    private let base: String
    private let http: CurlHTTPClient

    /// One invocation as `invocation/next` hands it out.
    struct Invocation {
        var context: InvocationContext
        var event: [UInt8]
    }

    /// The Runtime API answered something other than what the protocol allows; the runtime must exit.
    struct ProtocolFailure: Error, CustomStringConvertible {
        var description: String
    }

    init(endpoint: String) throws {
        base = "http://\(endpoint)/2018-06-01/runtime"
        http = try CurlHTTPClient()
    }

    /// Waits, with no time limit, for the next invocation.
    func next() throws -> Invocation {
        let reply = try http.send(HTTPRequest(method: "GET", url: "\(base)/invocation/next")).get()
        guard reply.status == 200, let requestID = reply.headers["lambda-runtime-aws-request-id"] else {
            throw ProtocolFailure(description: "invocation/next answered \(reply.status) without a request id")
        }
        let deadline = reply.headers["lambda-runtime-deadline-ms"].flatMap(Int64.init).map(Timestamp.init)
        let context = InvocationContext(
            requestID: requestID, deadline: deadline, traceID: reply.headers["lambda-runtime-trace-id"])
        return Invocation(context: context, event: reply.body)
    }

    /// Hands back the result of an invocation.
    func respond(to requestID: String, with body: [UInt8]) throws {
        try post("invocation/\(requestID)/response", body: body, errorType: nil)
    }

    /// Reports that an invocation failed. `type` is `Category.Reason`, such as `Runtime.InvalidEvent`.
    func fail(_ requestID: String, type: String, message: String) throws {
        try post("invocation/\(requestID)/error", body: Self.errorBody(type: type, message: message), errorType: type)
    }

    /// Reports that the function could not start; the runtime exits afterwards.
    func failInitialization(type: String, message: String) throws {
        try post("init/error", body: Self.errorBody(type: type, message: message), errorType: type)
    }

    private func post(_ path: String, body: [UInt8], errorType: String?) throws {
        var headers = [(name: "Content-Type", value: "application/json")]
        if let errorType { headers.append((name: "Lambda-Runtime-Function-Error-Type", value: errorType)) }
        let reply = try http.send(HTTPRequest(method: "POST", url: "\(base)/\(path)", headers: headers, body: body))
            .get()
        guard reply.status == 202 else {
            throw ProtocolFailure(
                description: "\(path) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
    }

    private struct ErrorBody: Encodable {
        var errorMessage: String
        var errorType: String
        var stackTrace: [String] = []
    }

    private static func errorBody(type: String, message: String) -> [UInt8] {
        Array(JSONBody.encode(ErrorBody(errorMessage: message, errorType: type)).utf8)
    }
}
