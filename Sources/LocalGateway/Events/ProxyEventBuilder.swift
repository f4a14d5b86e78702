public import Foundation
import FunctionRuntime
import StructuredLog
import SystemSupport

/// Builds the API Gateway proxy event a function receives for a request: payload 2.0 for `HttpApi` routes,
/// 1.0 for `Api` routes, with every `requestContext` field that event decoders treat as required.
public struct ProxyEventBuilder: Sendable {
    /// The account, API and stage the events claim to come from.
    public var accountID = "123456789012"
    public var apiID = "1234567890"
    public var region = "us-east-1"

    /// A builder with the sample account, API id and region of the AWS documentation; set them to look like another.
    public init() {}

    /// The event JSON for `request` matched to `match`, stamped with `requestID` and `time`; with `grant`, the
    /// verified token's claims and scopes at `requestContext.authorizer.jwt`, as a JWT authorizer passes them.
    public func event(
        for request: GatewayRequest, match: RouteTable.Match, requestID: String, time: Date,
        grant: JWTAuthorizer.Grant? = nil
    ) -> [UInt8] {
        let body = EventBody(request.body, contentType: request.header("content-type"))
        let query = QueryString(request.rawQuery)
        let userAgent = request.header("user-agent") ?? ""
        let host = request.header("host").map { String($0.prefix { $0 != ":" }) } ?? "localhost"
        let epochMilliseconds = Int((time.timeIntervalSince1970 * 1000).rounded(.down))
        let definition = match.route.definition
        let pathParameters = match.pathParameters.isEmpty ? nil : match.pathParameters

        switch definition.payloadVersion {
        case .v2:
            var headers: [String: String] = [:]
            var cookies: [String] = []
            for field in request.headers {
                let name = field.name.lowercased()
                if name == "cookie" {
                    cookies += field.value.split(separator: ";").map { String($0.trimmingWhitespace) }
                        .filter { !$0.isEmpty }
                    continue
                }
                headers[name] = headers[name].map { "\($0),\(field.value)" } ?? field.value
            }
            // Payload 2.0 leaves out what is absent.
            var json = JSONWriter()
            json.object { json in
                json.field("version", "2.0")
                json.field("routeKey", definition.routeKey)
                json.field("rawPath", request.path)
                json.field("rawQueryString", request.rawQuery)
                if !cookies.isEmpty { json.field("cookies", cookies) }
                json.field("headers", headers)
                if !query.isEmpty { json.field("queryStringParameters", query.joinedValues) }
                if let pathParameters { json.field("pathParameters", pathParameters) }
                json.fieldIfPresent("body", body.text)
                json.field("isBase64Encoded", body.isBase64Encoded)
                json.object("requestContext") { json in
                    json.field("accountId", accountID)
                    json.field("apiId", apiID)
                    if let grant {
                        json.object("authorizer") { json in
                            json.object("jwt") { json in
                                json.field("claims", grant.claims)
                                json.field("scopes", grant.scopes.isEmpty ? nil : grant.scopes)
                            }
                        }
                    }
                    json.field("domainName", host)
                    json.field("domainPrefix", String(host.prefix { $0 != "." }))
                    json.object("http") { json in
                        json.field("method", request.method)
                        json.field("path", request.path)
                        json.field("protocol", request.httpProtocol)
                        json.field("sourceIp", request.sourceIP)
                        json.field("userAgent", userAgent)
                    }
                    json.field("requestId", requestID)
                    json.field("routeKey", definition.routeKey)
                    json.field("stage", "$default")
                    json.field("time", GatewayClock.requestTime(time))
                    json.field("timeEpoch", epochMilliseconds)
                }
            }
            return json.bytes
        case .v1:
            var headers: [String: String] = [:]
            var multiValueHeaders: [String: [String]] = [:]
            for field in request.headers {
                headers[field.name] = field.value
                multiValueHeaders[field.name, default: []].append(field.value)
            }
            // An HTTP API's $default route is `$default` here too; only HTTP APIs have one.
            let resource = definition.path
            let httpAPI = definition.api == .httpAPI
            // Payload 1.0 has every field, `null` when absent, as API Gateway sends it. An HTTP API names the format
            // and its one stage, `$default`; a REST API names neither a version nor any stage but its own (SAM's `Prod`).
            var json = JSONWriter()
            json.object { json in
                if httpAPI { json.field("version", "1.0") }
                json.field("resource", resource)
                json.field("path", request.path)
                json.field("httpMethod", request.method)
                json.field("headers", headers)
                json.field("multiValueHeaders", multiValueHeaders)
                json.field("queryStringParameters", query.isEmpty ? nil : query.lastValues)
                json.field("multiValueQueryStringParameters", query.isEmpty ? nil : query.allValues)
                json.field("pathParameters", pathParameters)
                json.field("stageVariables", nil as [String: String]?)
                json.field("body", body.text)
                json.field("isBase64Encoded", body.isBase64Encoded)
                json.object("requestContext") { json in
                    json.field("accountId", accountID)
                    json.field("apiId", apiID)
                    json.field("domainName", host)
                    if httpAPI { json.field("domainPrefix", String(host.prefix { $0 != "." })) }
                    json.field("httpMethod", request.method)
                    json.object("identity") { json in
                        json.field("sourceIp", request.sourceIP)
                        json.field("userAgent", userAgent)
                    }
                    json.field("path", request.path)
                    json.field("protocol", request.httpProtocol)
                    json.field("requestId", requestID)
                    json.field("requestTime", GatewayClock.requestTime(time))
                    json.field("requestTimeEpoch", epochMilliseconds)
                    json.field("resourceId", "123456")
                    json.field("resourcePath", resource)
                    json.field("stage", httpAPI ? "$default" : "Prod")
                }
            }
            return json.bytes
        }
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
        let mediaType = (contentType ?? "").prefix { $0 != ";" }.trimmingWhitespace.lowercased()
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
