public import OrderHTTP

extension APIError {
    /// The error as a response: the envelope as the body, `Content-Type: application/json`, the error's own headers,
    /// and its code and internal error kept for the invocation's log line.
    public var response: FunctionResponse {
        var headers = self.headers
        headers["Content-Type"] = "application/json"
        return FunctionResponse(
            statusCode: status, headers: headers, body: envelope, errorCode: code, internalError: internalError)
    }
}
