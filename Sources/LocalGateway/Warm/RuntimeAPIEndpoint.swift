import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The Lambda Runtime API (`/2018-06-01/runtime/...`) for one worker, over HTTP/1.1 on `127.0.0.1`, a free port.
///
/// As in Lambda, each execution environment has an endpoint of its own: the paths name no function and no
/// process, so the port is what tells the gateway which worker took which invocation, and so which process to
/// kill at a timeout and which request to fail when a process dies. The worker's queue is its function's.
struct RuntimeAPIEndpoint: Sendable {
    let port: Int
    private let task: Task<Void, Never>

    /// Starts listening; returns once the port is bound.
    ///
    /// - Throws: ``GatewayError`` `listen_failed` when no port can be bound.
    static func start(pool: FunctionPool, worker: Int) async throws(GatewayError) -> RuntimeAPIEndpoint {
        var logger = Logger(label: "local-gateway.runtime-api")
        // Closing an endpoint whose worker has gone is routine; only what would stop the gateway is worth a line.
        logger.logLevel = .critical
        let bound = Bound()
        let app = Application(
            responder: RuntimeAPIResponder(pool: pool, worker: worker),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in bound.resolve(.success(channel.localAddress?.port ?? 0)) },
            logger: logger
        )
        // Detached, and with no signal handling of its own: the graceful shutdown of the gateway's server (which a
        // child task would inherit) must not close the endpoint while workers finish the requests in flight. The
        // gateway stops its workers after those.
        let task = Task.detached {
            do {
                try await app.runService(gracefulShutdownSignals: [])
                bound.resolve(.failure(GatewayError(code: "listen_failed", message: "the Runtime API stopped")))
            } catch {
                bound.resolve(.failure(GatewayError(code: "listen_failed", message: "Runtime API: \(error)")))
            }
        }
        let port = try await bound.port().get()
        return RuntimeAPIEndpoint(port: port, task: task)
    }

    private init(port: Int, task: Task<Void, Never>) {
        self.port = port
        self.task = task
    }

    func stop() {
        task.cancel()
    }

    /// The port once bound, handed from the server's callback to the one who waits for it.
    private final class Bound: Sendable {
        private let state = Mutex<
            (result: Result<Int, GatewayError>?, waiter: CheckedContinuation<Result<Int, GatewayError>, Never>?)
        >((nil, nil))

        func resolve(_ result: Result<Int, GatewayError>) {
            let waiter = state.withLock { state -> CheckedContinuation<Result<Int, GatewayError>, Never>? in
                guard state.result == nil else { return nil }
                state.result = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: result)
        }

        func port() async -> Result<Int, GatewayError> {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Result<Int, GatewayError>? in
                    if let result = state.result { return result }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// Answers the four Runtime API requests a custom runtime makes.
struct RuntimeAPIResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let pool: FunctionPool
    let worker: Int

    private static let prefix = "/2018-06-01/runtime/"

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(Self.prefix) else { return Self.error(404, "UnknownPath", "No such Runtime API path.") }
        let parts = path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        switch (request.method, parts.count, parts.first, parts.last) {
        case (.get, 2, "invocation", "next"):
            return await next()
        case (.post, 3, "invocation", "response"):
            return await respond(request, requestID: String(parts[1]))
        case (.post, 3, "invocation", "error"):
            let (type, message) = await Self.errorReport(request)
            return Self.receipt(
                await pool.fail(worker: worker, requestID: String(parts[1]), type: type, message: message))
        case (.post, 2, "init", "error"):
            let (type, message) = await Self.errorReport(request)
            await pool.failInitialization(worker: worker, type: type, message: message)
            return Self.accepted
        default:
            return Self.error(404, "UnknownPath", "No such Runtime API path: \(request.method) \(path).")
        }
    }

    private func next() async -> Response {
        guard let invocation = await pool.next(worker: worker) else {
            // The worker is being stopped: an error makes a runtime exit, as the protocol asks.
            return Self.error(500, "ShuttingDown", "This execution environment is shutting down.")
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[Self.requestIDHeader] = invocation.requestID
        headers[Self.deadlineHeader] = String(invocation.deadlineMilliseconds)
        headers[Self.functionARNHeader] = "arn:aws:lambda:us-east-1:123456789012:function:\(pool.function.logicalID)"
        if let trace = invocation.traceID { headers[Self.traceHeader] = trace }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: invocation.event)))
    }

    private func respond(_ request: Request, requestID: String) async -> Response {
        let body: [UInt8]
        do {
            var buffer = try await request.body.collect(upTo: ProcessInvoker.maximumResponseSize)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            let receipt = await pool.respondTooLarge(worker: worker, requestID: requestID)
            guard receipt == .accepted else { return Self.receipt(receipt) }
            return Self.error(
                413, "RequestEntityTooLarge", "The response is over \(ProcessInvoker.maximumResponseSize) bytes.")
        }
        return Self.receipt(await pool.respond(worker: worker, requestID: requestID, body: body))
    }

    /// The error type (header, else body) and message of an `error` post.
    private static func errorReport(_ request: Request) async -> (type: String, message: String) {
        var buffer = (try? await request.body.collect(upTo: 1024 * 1024)) ?? ByteBuffer()
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        let type =
            request.headers[errorTypeHeader] ?? object?["errorType"] as? String ?? "Unknown"
        let message = object?["errorMessage"] as? String ?? String(decoding: bytes.prefix(1024), as: UTF8.self)
        return (type, message)
    }

    private static let requestIDHeader = HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!
    private static let deadlineHeader = HTTPField.Name("Lambda-Runtime-Deadline-Ms")!
    private static let functionARNHeader = HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!
    private static let traceHeader = HTTPField.Name("Lambda-Runtime-Trace-Id")!
    private static let errorTypeHeader = HTTPField.Name("Lambda-Runtime-Function-Error-Type")!

    private static var accepted: Response {
        Response(
            status: .accepted, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"OK"}"#)))
    }

    private static func receipt(_ receipt: FunctionPool.Receipt) -> Response {
        switch receipt {
        case .accepted: accepted
        case .unknownRequest: error(400, "InvalidRequestID", "No invocation in flight on this worker has that id.")
        }
    }

    /// Lambda's error body: `{"errorMessage", "errorType"}`.
    private static func error(_ status: Int, _ type: String, _ message: String) -> Response {
        let body =
            (try? JSONSerialization.data(withJSONObject: ["errorMessage": message, "errorType": type])) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
