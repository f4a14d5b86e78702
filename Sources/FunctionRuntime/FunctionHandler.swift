public import OrderHTTP

/// One function of the service: takes a request, gives a response.
///
/// A handler answers every request, errors included (a 4xx or 5xx response is a successful invocation).
/// It is built once per process and may be called many times.
public protocol FunctionHandler: Sendable {
    /// Handles one request.
    func handle(_ request: FunctionRequest) -> FunctionResponse
}

/// A function that is not behind HTTP, such as a scheduled job: any JSON event in, a JSON result out.
public protocol EventHandler: Sendable {
    /// Handles one event within the context's deadline; throwing makes the invocation a function error.
    func handle(event: [UInt8], context: InvocationContext) throws -> String
}

extension FunctionHandler {
    /// Handles `request` after the checks every function shares: a body over ``RequestLimits/maximumBodySize`` is
    /// answered 413 without calling the handler. The runtime calls this, never ``handle(_:)`` directly.
    public func respond(to request: FunctionRequest) -> FunctionResponse {
        guard request.body.count <= RequestLimits.maximumBodySize else {
            return APIError.payloadTooLarge(limit: RequestLimits.maximumBodySize).response
        }
        return handle(request)
    }
}
