import FoundationEssentials
import SystemSupport

/// The fields of an API Gateway proxy event that a function reads, for payload 2.0 and 1.0 alike, read from the
/// shared JSON reader: `JSONDecoder` and its containers were a tenth of a warm invocation's CPU.
///
/// Everything else in the event (the rest of `requestContext`, `stageVariables`, …) is accepted and ignored.
struct ProxyEvent {
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
    // requestContext
    var requestID: String?
    var method: String?
    /// What the API's authorizer verified: payload 2.0 JWT authorizers put the token's claims (as strings) at
    /// `requestContext.authorizer.jwt.claims`, payload 1.0 Cognito authorizers at `requestContext.authorizer.claims`.
    var claims: [String: String]?

    /// Reads the event's fields; a field of the wrong type is an error, an unknown one is ignored.
    init(_ json: JSONObject) throws(JSONObject.Mismatch) {
        version = try json.optionalString("version")
        rawPath = try json.optionalString("rawPath")
        cookies = try json.optionalStrings("cookies")
        path = try json.optionalString("path")
        httpMethod = try json.optionalString("httpMethod")
        multiValueHeaders = try json.optionalStringListMap("multiValueHeaders")
        multiValueQueryStringParameters = try json.optionalStringListMap("multiValueQueryStringParameters")
        headers = try json.optionalStringMap("headers")
        queryStringParameters = try json.optionalStringMap("queryStringParameters")
        pathParameters = try json.optionalStringMap("pathParameters")
        body = try json.optionalString("body")
        isBase64Encoded = try json.optionalBool("isBase64Encoded")
        guard let context = try json.optionalObject("requestContext") else { return }
        requestID = try context.optionalString("requestId")
        // `http`, when there, has its method.
        method = try context.optionalObject("http")?.string("method")
        if let authorizer = try context.optionalObject("authorizer") {
            claims = try authorizer.optionalObject("jwt")?.optionalStringMap("claims")
            if claims == nil { claims = try authorizer.optionalStringMap("claims") }
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
            event = try ProxyEvent(JSONObject(JSONValue.parse(bytes)))
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
        let requestID = event.requestID ?? ""
        let claims = event.claims ?? [:]

        if event.version == "2.0" {
            guard let method = event.method, let path = event.rawPath else {
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
