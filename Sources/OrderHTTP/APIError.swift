import FoundationEssentials

/// An error answer in the service's envelope:
/// `{"type":"api_error","code":"…","message":"…","details":[{"field":"…","message":"…"}]}`.
///
/// `type` and the field names are those of the service this one replaces, so existing clients keep working.
public struct APIError: Error, Sendable, Equatable {
    /// One invalid field of a request.
    public struct Detail: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        /// One invalid field, named by its path in the request (`order_lines[2].price`).
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The HTTP status of the answer.
    public var status: Int
    /// The stable, machine-readable code (`validation_failed`): clients branch on it, so it never changes.
    public var code: String
    /// What went wrong and what to fix, for a person; it may change wording.
    public var message: String
    public var details: [Detail]
    /// Extra response headers, such as `Allow` for 405.
    public var headers: [String: String]
    /// What really went wrong behind a 5xx, for the log only.
    public var internalError: String?

    /// An error answer; `internalError` is logged with a 5xx and never sent to the client.
    public init(
        status: Int, code: String, message: String, details: [Detail] = [], headers: [String: String] = [:],
        internalError: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
        self.internalError = internalError
    }

    /// A 500 that says nothing of `error` to the client and everything to the log.
    public static func internalError(_ error: any Error) -> APIError {
        APIError(
            status: 500, code: "internal_error",
            message: "The service failed to handle the request. It has been logged; try again later.",
            internalError: String(describing: error))
    }

    /// A 413 for a body over `limit` bytes.
    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(
            status: 413, code: "payload_too_large",
            message: "The request body is larger than \(limit) bytes; send a smaller order.")
    }

    /// A 415 for a body that is not declared as JSON.
    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(
            status: 415, code: "unsupported_media_type",
            message:
                "The request body must be JSON, sent as Content-Type: application/json, not \(Excerpt.of(contentType, maximumLength: Excerpt.headerValueLength))."
        )
    }

    /// A 400 for a request header that cannot be read.
    public static func invalidHeader(_ name: String, _ problem: String) -> APIError {
        APIError(status: 400, code: "invalid_header", message: "The \(name) header \(problem).")
    }

    /// The JSON text of the envelope (`details` left out when there are none), keys sorted.
    public var envelope: String {
        JSONBody.encode(Envelope(code: code, message: message, details: details.isEmpty ? nil : details))
    }

    private struct Envelope: Encodable {
        let type = "api_error"
        var code: String
        var message: String
        var details: [Detail]?
    }
}
