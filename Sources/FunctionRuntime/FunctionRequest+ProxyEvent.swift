import FoundationEssentials

/// The fields of an API Gateway proxy event that a function reads, for payload 2.0 and 1.0 alike.
///
/// Everything else in the event (the rest of `requestContext`, `stageVariables`, …) is accepted and ignored.
struct ProxyEvent: Decodable {
    var version: String?
    // Payload 2.0
    var rawPath: String?
    var cookies: [String]?
    // Payload 1.0
    var path: String?
    var httpMethod: String?
    var multiValueHeaders: [String: [String]]?
    var multiValueQueryStringParameters: [String: [String]]?
    // Both
    var headers: [String: String]?
    var queryStringParameters: [String: String]?
    var pathParameters: [String: String]?
    var body: String?
    var isBase64Encoded: Bool?
    var requestContext: RequestContext?

    struct RequestContext: Decodable {
        var requestId: String?
        var http: HTTP?
        var authorizer: Authorizer?

        /// What the API's authorizer verified: payload 2.0 JWT authorizers put the token's claims (as strings) at
        /// `authorizer.jwt.claims`, payload 1.0 Cognito authorizers at `authorizer.claims`.
        struct Authorizer: Decodable {
            var jwt: JWT?
            var claims: [String: String]?

            struct JWT: Decodable {
                var claims: [String: String]?
            }
        }

        struct HTTP: Decodable {
            var method: String
            var path: String?
        }
    }

    /// Why an event could not be read.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }
}

extension FunctionRequest {
    /// Reads an API Gateway proxy event of payload version 2.0 or 1.0.
    ///
    /// Headers are lower-cased, `cookies` (2.0) become one `cookie` header, and in 1.0 `multiValueHeaders` win over
    /// `headers`. A body marked `isBase64Encoded` is decoded.
    ///
    /// - Throws: an error describing what is missing when `bytes` is not such an event, or is larger than
    ///   ``InvocationLimits/maximumPayloadSize``.
    public init(event bytes: [UInt8]) throws {
        guard bytes.count <= InvocationLimits.maximumPayloadSize else {
            throw ProxyEvent.Invalid(
                description: "the event is larger than \(InvocationLimits.maximumPayloadSize) bytes")
        }
        let event: ProxyEvent
        do {
            event = try JSONDecoder().decode(ProxyEvent.self, from: Data(bytes))
        } catch {
            throw ProxyEvent.Invalid(description: "the event is not an API Gateway proxy event: \(error)")
        }

        var body: [UInt8] = []
        if let text = event.body {
            if event.isBase64Encoded == true {
                guard let decoded = Data(base64Encoded: text) else {
                    throw ProxyEvent.Invalid(description: "isBase64Encoded is true but body is not base64")
                }
                body = Array(decoded)
            } else {
                body = Array(text.utf8)
            }
        }

        var headers = event.headers ?? [:]
        if let cookies = event.cookies, !cookies.isEmpty {
            headers["cookie"] = cookies.joined(separator: "; ")
        }
        let requestID = event.requestContext?.requestId ?? ""
        let authorizer = event.requestContext?.authorizer
        let claims = authorizer?.jwt?.claims ?? authorizer?.claims ?? [:]

        if event.version == "2.0" {
            guard let method = event.requestContext?.http?.method, let path = event.rawPath else {
                throw ProxyEvent.Invalid(
                    description: "a payload 2.0 event needs rawPath and requestContext.http.method")
            }
            self.init(
                payloadVersion: .v2, method: method, path: path, headers: headers,
                queryParameters: event.queryStringParameters ?? [:], pathParameters: event.pathParameters ?? [:],
                body: body, requestID: requestID, claims: claims)
        } else {
            guard let method = event.httpMethod, let path = event.path else {
                throw ProxyEvent.Invalid(
                    description: "the event has neither version 2.0 nor the httpMethod and path of payload 1.0")
            }
            // In 1.0, multiValueHeaders hold every value; headers only the last one.
            for (name, values) in event.multiValueHeaders ?? [:] where !values.isEmpty {
                headers[name] = values.joined(separator: ",")
            }
            var query = event.queryStringParameters ?? [:]
            for (name, values) in event.multiValueQueryStringParameters ?? [:] {
                if let last = values.last { query[name] = last }
            }
            self.init(
                payloadVersion: .v1, method: method, path: path, headers: headers, queryParameters: query,
                pathParameters: event.pathParameters ?? [:], body: body, requestID: requestID, claims: claims)
        }
    }
}
