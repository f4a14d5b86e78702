public import FunctionRuntime
public import OrderDomain
public import OrderHTTP
import OrderStore
import Timestamps

/// A handler of the order API: it throws on failure and the one error mapping turns that into an answer.
public protocol OrderFunction: FunctionHandler {
    /// Answers the request, or throws an error that ``APIError/init(_:)`` maps to an HTTP answer.
    func answer(_ request: FunctionRequest) throws -> FunctionResponse
}

extension OrderFunction {
    /// Answers with ``answer(_:)``, or with the error it threw mapped by ``APIError/init(_:)``; never throws.
    public func handle(_ request: FunctionRequest) -> FunctionResponse {
        do {
            return try answer(request)
        } catch {
            return APIError(error).response
        }
    }
}

extension FunctionRequest {
    /// The body read as JSON, after checking that it was sent as JSON.
    ///
    /// `application/x-www-form-urlencoded` is accepted too: it is what `curl -d` sends by default, and the
    /// curl examples clients have used with this API since its first version send JSON that way.
    public func jsonBody() throws -> JSONValue {
        if let contentType = header("content-type"), let mediaType {
            let accepted =
                mediaType == "application/json" || mediaType.hasSuffix("+json")
                || mediaType == "application/x-www-form-urlencoded" || mediaType.isEmpty
            guard accepted else { throw APIError.unsupportedMediaType(contentType) }
        }
        guard !body.isEmpty else {
            throw OrderError.malformedJSON("the body is empty; send the request as a JSON object")
        }
        return try JSONValue.parse(body)
    }

    /// The `{id}` path parameter as an order id.
    public func orderIDFromPath() throws -> OrderID {
        try OrderID.fromPath(pathParameters["id"] ?? "")
    }

    /// The order named by the `{id}` path parameter, without its events.
    ///
    /// - Throws: `validation_failed` for an invalid id, `order_not_found` when there is no such order.
    func orderFromPath(in store: any OrderDocumentStore) throws -> Order {
        let id = try orderIDFromPath()
        guard let order = try store.order(id) else { throw OrderError.notFound(id) }
        return order
    }

    /// The stored document of the order named by the `{id}` path parameter.
    ///
    /// - Throws: `validation_failed` for an invalid id, `order_not_found` when there is no such order.
    func orderDocumentFromPath(in store: any OrderDocumentStore) throws -> OrderDocument {
        let id = try orderIDFromPath()
        guard let document = try store.get(id) else { throw OrderError.notFound(id) }
        return document
    }
}

extension FunctionResponse {
    /// An order as JSON, with its version as `ETag`.
    public static func order(_ order: Order, status: Int = 200, headers extra: [String: String] = [:])
        -> FunctionResponse
    {
        var headers = extra
        headers["Content-Type"] = "application/json"
        headers["ETag"] = order.entityTag
        return FunctionResponse(statusCode: status, headers: headers, body: JSONBody.encode(order))
    }
}
