public import Foundation

/// Builds the API Gateway proxy event a function receives for a request: payload 2.0 for `HttpApi` routes,
/// 1.0 for `Api` routes, with every `requestContext` field that event decoders treat as required.
public struct ProxyEventBuilder: Sendable {
    /// The account, API and stage the events claim to come from.
    public var accountID = "123456789012"
    public var apiID = "1234567890"
    public var region = "us-east-1"

    public init() {}

    /// The event JSON for `request` matched to `match`, stamped with `requestID` and `time`.
    public func event(
        for request: GatewayRequest, match: RouteTable.Match, requestID: String, time: Date
    ) -> [UInt8] {
        let body = EventBody(request.body, contentType: request.header("content-type"))
        let query = QueryString(request.rawQuery)
        let userAgent = request.header("user-agent") ?? ""
        let host = request.header("host").map { String($0.prefix { $0 != ":" }) } ?? "localhost"
        let epochMilliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded(.down))
        let definition = match.route.definition
        let pathParameters = match.pathParameters.isEmpty ? nil : match.pathParameters

        switch definition.payloadVersion {
        case .v2:
            var headers: [String: String] = [:]
            var cookies: [String] = []
            for field in request.headers {
                let name = field.name.lowercased()
                if name == "cookie" {
                    cookies += field.value.split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                    continue
                }
                headers[name] = headers[name].map { "\($0),\(field.value)" } ?? field.value
            }
            let event = V2Event(
                routeKey: definition.routeKey, rawPath: request.path, rawQueryString: request.rawQuery,
                cookies: cookies.isEmpty ? nil : cookies, headers: headers,
                queryStringParameters: query.isEmpty ? nil : query.joinedValues, pathParameters: pathParameters,
                body: body.text, isBase64Encoded: body.isBase64Encoded,
                requestContext: .init(
                    accountId: accountID, apiId: apiID, domainName: host,
                    domainPrefix: String(host.prefix { $0 != "." }),
                    http: .init(
                        method: request.method, path: request.path, protocol: request.httpProtocol,
                        sourceIp: request.sourceIP, userAgent: userAgent),
                    requestId: requestID, routeKey: definition.routeKey, stage: "$default",
                    time: GatewayClock.requestTime(time), timeEpoch: epochMilliseconds))
            return Self.encode(event)
        case .v1:
            var headers: [String: String] = [:]
            var multiValueHeaders: [String: [String]] = [:]
            for field in request.headers {
                headers[field.name] = field.value
                multiValueHeaders[field.name, default: []].append(field.value)
            }
            let resource = definition.path == "$default" ? "/{proxy+}" : definition.path
            let event = V1Event(
                resource: resource, path: request.path, httpMethod: request.method, headers: headers,
                multiValueHeaders: multiValueHeaders, queryStringParameters: query.isEmpty ? nil : query.lastValues,
                multiValueQueryStringParameters: query.isEmpty ? nil : query.allValues,
                pathParameters: pathParameters, body: body.text, isBase64Encoded: body.isBase64Encoded,
                requestContext: .init(
                    accountId: accountID, apiId: apiID, domainName: host, httpMethod: request.method,
                    identity: .init(sourceIp: request.sourceIP, userAgent: userAgent), path: request.path,
                    protocol: request.httpProtocol, requestId: requestID, requestTime: GatewayClock.requestTime(time),
                    requestTimeEpoch: epochMilliseconds, resourceId: "123456", resourcePath: resource, stage: "Prod"))
            return Self.encode(event)
        }
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Every field is a string, number, bool or a container of them: encoding cannot fail.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}

/// A request body as an event carries it: text as it is, anything else base64.
struct EventBody {
    var text: String?
    var isBase64Encoded: Bool

    init(_ bytes: [UInt8], contentType: String?) {
        guard !bytes.isEmpty else {
            text = nil
            isBase64Encoded = false
            return
        }
        let mediaType = (contentType ?? "").prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        let textual =
            mediaType.isEmpty || mediaType.hasPrefix("text/") || mediaType.hasSuffix("json")
            || mediaType.hasSuffix("+json") || mediaType.hasSuffix("xml") || mediaType.hasSuffix("javascript")
            || mediaType == "application/x-www-form-urlencoded"
        if textual, let string = String(validating: bytes, as: UTF8.self) {
            text = string
            isBase64Encoded = false
        } else {
            text = Data(bytes).base64EncodedString()
            isBase64Encoded = true
        }
    }
}

/// A query string read as API Gateway reads it: names and values percent-decoded, `+` as a space.
struct QueryString {
    var pairs: [(name: String, value: String)] = []

    init(_ raw: String) {
        for part in raw.split(separator: "&") where !part.isEmpty {
            let name = part.prefix { $0 != "=" }
            let value = part.dropFirst(name.count + 1)
            pairs.append(
                (PercentDecoding.decode(name, plusIsSpace: true), PercentDecoding.decode(value, plusIsSpace: true)))
        }
    }

    var isEmpty: Bool { pairs.isEmpty }

    /// Payload 2.0: repeated names joined with commas.
    var joinedValues: [String: String] {
        pairs.reduce(into: [:]) { result, pair in
            result[pair.name] = result[pair.name].map { "\($0),\(pair.value)" } ?? pair.value
        }
    }

    /// Payload 1.0 `queryStringParameters`: the last value of each name.
    var lastValues: [String: String] {
        pairs.reduce(into: [:]) { $0[$1.name] = $1.value }
    }

    /// Payload 1.0 `multiValueQueryStringParameters`.
    var allValues: [String: [String]] {
        pairs.reduce(into: [:]) { $0[$1.name, default: []].append($1.value) }
    }
}

/// Payload 2.0, field for field.
struct V2Event: Encodable {
    var version = "2.0"
    var routeKey: String
    var rawPath: String
    var rawQueryString: String
    var cookies: [String]?
    var headers: [String: String]
    var queryStringParameters: [String: String]?
    var pathParameters: [String: String]?
    var body: String?
    var isBase64Encoded: Bool
    var requestContext: RequestContext

    struct RequestContext: Encodable {
        var accountId: String
        var apiId: String
        var domainName: String
        var domainPrefix: String
        var http: HTTP
        var requestId: String
        var routeKey: String
        var stage: String
        var time: String
        var timeEpoch: Int64
    }

    struct HTTP: Encodable {
        var method: String
        var path: String
        var `protocol`: String
        var sourceIp: String
        var userAgent: String
    }
}

/// Payload 1.0, field for field; absent values are `null`, as API Gateway sends them.
struct V1Event: Encodable {
    var resource: String
    var path: String
    var httpMethod: String
    var headers: [String: String]
    var multiValueHeaders: [String: [String]]
    var queryStringParameters: [String: String]?
    var multiValueQueryStringParameters: [String: [String]]?
    var pathParameters: [String: String]?
    var stageVariables: [String: String]? = nil
    var body: String?
    var isBase64Encoded: Bool
    var requestContext: RequestContext

    struct RequestContext: Encodable {
        var accountId: String
        var apiId: String
        var domainName: String
        var httpMethod: String
        var identity: Identity
        var path: String
        var `protocol`: String
        var requestId: String
        var requestTime: String
        var requestTimeEpoch: Int64
        var resourceId: String
        var resourcePath: String
        var stage: String
    }

    struct Identity: Encodable {
        var sourceIp: String
        var userAgent: String
    }

    enum CodingKeys: String, CodingKey {
        case resource, path, httpMethod, headers, multiValueHeaders, queryStringParameters
        case multiValueQueryStringParameters, pathParameters, stageVariables, body, isBase64Encoded, requestContext
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resource, forKey: .resource)
        try container.encode(path, forKey: .path)
        try container.encode(httpMethod, forKey: .httpMethod)
        try container.encode(headers, forKey: .headers)
        try container.encode(multiValueHeaders, forKey: .multiValueHeaders)
        try container.encode(queryStringParameters, forKey: .queryStringParameters)
        try container.encode(multiValueQueryStringParameters, forKey: .multiValueQueryStringParameters)
        try container.encode(pathParameters, forKey: .pathParameters)
        try container.encode(stageVariables, forKey: .stageVariables)
        try container.encode(body, forKey: .body)
        try container.encode(isBase64Encoded, forKey: .isBase64Encoded)
        try container.encode(requestContext, forKey: .requestContext)
    }
}
