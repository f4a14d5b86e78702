import Foundation
import FunctionRuntime
import Testing

@testable import LocalGateway

@Suite("Event building")
struct ProxyEventBuilderTests {
    static let time = Date(timeIntervalSince1970: 1_795_599_000.123)

    func event(
        _ request: GatewayRequest, route: RouteDefinition, parameters: [String: String] = [:]
    ) throws -> [String: Any] {
        let function = FunctionDefinition(
            logicalID: "GetOrderFunction", codeURI: "functions/get-order", routes: [route])
        let table = try RouteTable(template: ServerlessTemplate(functions: [function]))
        // A $default route is matched by any path the others do not take.
        let match: RouteTable.Match
        if let route = table.routes.first {
            match = RouteTable.Match(route: route, pathParameters: parameters)
        } else {
            guard case .matched(let fallback) = table.lookup(method: request.method, path: request.path) else {
                throw RouteNotMatched()
            }
            match = fallback
        }
        let bytes = ProxyEventBuilder().event(for: request, match: match, requestID: "req-1", time: Self.time)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    struct RouteNotMatched: Error {}

    static let request = GatewayRequest(
        method: "GET", path: "/order/caf%C3%A9", rawQuery: "tag=a&tag=b&q=x+y%21",
        headers: [
            HeaderField("Host", "localhost:3000"), HeaderField("User-Agent", "curl/8"),
            HeaderField("X-Multi", "1"), HeaderField("X-Multi", "2"), HeaderField("Cookie", "a=1; b=2"),
        ],
        sourceIP: "127.0.0.9")

    @Test("payload 2.0 has every field and every requestContext field")
    func payloadV2() throws {
        let event = try event(
            Self.request,
            route: RouteDefinition(eventName: "E", method: "GET", path: "/order/{id}", payloadVersion: .v2),
            parameters: ["id": "café"])
        #expect(event["version"] as? String == "2.0")
        #expect(event["routeKey"] as? String == "GET /order/{id}")
        #expect(event["rawPath"] as? String == "/order/caf%C3%A9")
        #expect(event["rawQueryString"] as? String == "tag=a&tag=b&q=x+y%21")
        #expect(event["cookies"] as? [String] == ["a=1", "b=2"])
        let headers = try #require(event["headers"] as? [String: String])
        #expect(headers["x-multi"] == "1,2")
        #expect(headers["user-agent"] == "curl/8")
        #expect(headers["cookie"] == nil)
        #expect(event["queryStringParameters"] as? [String: String] == ["tag": "a,b", "q": "x y!"])
        #expect(event["pathParameters"] as? [String: String] == ["id": "café"])
        #expect(event["isBase64Encoded"] as? Bool == false)
        #expect(event["body"] == nil)

        let context = try #require(event["requestContext"] as? [String: Any])
        for key in ["accountId", "apiId", "domainName", "domainPrefix", "requestId", "routeKey", "stage", "time"] {
            #expect(context[key] is String, "requestContext.\(key)")
        }
        #expect(context["domainName"] as? String == "localhost")
        #expect(context["requestId"] as? String == "req-1")
        #expect(context["stage"] as? String == "$default")
        #expect(context["time"] as? String == "25/Nov/2026:09:30:00 +0000")
        #expect((context["timeEpoch"] as? NSNumber)?.int64Value == 1_795_599_000_123)
        let http = try #require(context["http"] as? [String: String])
        #expect(
            http == [
                "method": "GET", "path": "/order/caf%C3%A9", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.9",
                "userAgent": "curl/8",
            ])
    }

    @Test("payload 1.0 has multi-value fields, nulls, and its own requestContext")
    func payloadV1() throws {
        let event = try event(
            Self.request,
            route: RouteDefinition(eventName: "E", method: "GET", path: "/order/{id}", payloadVersion: .v1),
            parameters: ["id": "café"])
        #expect(event["resource"] as? String == "/order/{id}")
        #expect(event["path"] as? String == "/order/caf%C3%A9")
        #expect(event["httpMethod"] as? String == "GET")
        #expect((event["headers"] as? [String: String])?["X-Multi"] == "2")
        #expect((event["multiValueHeaders"] as? [String: [String]])?["X-Multi"] == ["1", "2"])
        #expect(event["queryStringParameters"] as? [String: String] == ["tag": "b", "q": "x y!"])
        #expect(event["multiValueQueryStringParameters"] as? [String: [String]] == ["tag": ["a", "b"], "q": ["x y!"]])
        #expect(event["pathParameters"] as? [String: String] == ["id": "café"])
        #expect(event["stageVariables"] is NSNull)
        #expect(event["body"] is NSNull)
        #expect(event["isBase64Encoded"] as? Bool == false)

        let context = try #require(event["requestContext"] as? [String: Any])
        for key in [
            "accountId", "apiId", "resourceId", "resourcePath", "httpMethod", "path", "stage", "requestId",
            "requestTime",
            "protocol", "domainName",
        ] {
            #expect(context[key] is String, "requestContext.\(key)")
        }
        #expect(context["resourcePath"] as? String == "/order/{id}")
        #expect(context["requestTime"] as? String == "25/Nov/2026:09:30:00 +0000")
        #expect((context["requestTimeEpoch"] as? NSNumber)?.int64Value == 1_795_599_000_123)
        #expect(context["identity"] as? [String: String] == ["sourceIp": "127.0.0.9", "userAgent": "curl/8"])
    }

    @Test("payload 1.0 for an HttpApi route names its version, the $default stage and the domain prefix")
    func payloadV1ForHTTPAPI() throws {
        let route = RouteDefinition(
            eventName: "E", method: "GET", path: "/order/{id}", payloadVersion: .v1, api: .httpAPI)
        let event = try self.event(Self.request, route: route, parameters: ["id": "café"])
        #expect(event["version"] as? String == "1.0")
        let context = try #require(event["requestContext"] as? [String: Any])
        #expect(context["stage"] as? String == "$default")
        #expect(context["domainName"] as? String == "localhost")
        #expect(context["domainPrefix"] as? String == "localhost")

        // Its $default route is named so, as the resource and the resource path.
        let fallback = try self.event(
            Self.request,
            route: RouteDefinition(eventName: "D", method: nil, path: "$default", payloadVersion: .v1, api: .httpAPI))
        #expect(fallback["resource"] as? String == "$default")
        #expect((fallback["requestContext"] as? [String: Any])?["resourcePath"] as? String == "$default")

        // A REST API's event names neither.
        let rest = try self.event(
            Self.request,
            route: RouteDefinition(eventName: "E", method: "GET", path: "/order/{id}", payloadVersion: .v1))
        #expect(rest["version"] == nil)
        #expect((rest["requestContext"] as? [String: Any])?["stage"] as? String == "Prod")
    }

    @Test("payload 1.0 without a query has null query fields")
    func payloadV1WithoutQuery() throws {
        let event = try event(
            GatewayRequest(method: "POST", path: "/order", body: Array("{}".utf8)),
            route: RouteDefinition(eventName: "E", method: "POST", path: "/order", payloadVersion: .v1))
        #expect(event["queryStringParameters"] is NSNull)
        #expect(event["multiValueQueryStringParameters"] is NSNull)
        #expect(event["pathParameters"] is NSNull)
        #expect(event["body"] as? String == "{}")
    }

    @Test("text bodies are sent as they are, binary ones base64-encoded")
    func bodies() throws {
        let route = RouteDefinition(eventName: "E", method: "POST", path: "/order", payloadVersion: .v2)
        let text = try event(
            GatewayRequest(
                method: "POST", path: "/order", headers: [HeaderField("Content-Type", "application/json")],
                body: Array(#"{"id":"é"}"#.utf8)), route: route)
        #expect(text["body"] as? String == #"{"id":"é"}"#)
        #expect(text["isBase64Encoded"] as? Bool == false)

        let binary = try event(
            GatewayRequest(
                method: "POST", path: "/order", headers: [HeaderField("Content-Type", "application/octet-stream")],
                body: [0, 1, 2, 255]), route: route)
        #expect(binary["body"] as? String == "AAEC/w==")
        #expect(binary["isBase64Encoded"] as? Bool == true)

        let invalidUTF8 = try event(GatewayRequest(method: "POST", path: "/order", body: [0xC3, 0x28]), route: route)
        #expect(invalidUTF8["isBase64Encoded"] as? Bool == true)

        // The media type is read without its parameters and the whitespace around it, in any case.
        for contentType in ["\t Application/JSON ; charset=utf-8", "text/plain\u{00A0}", " application/problem+json"] {
            let spaced = try event(
                GatewayRequest(
                    method: "POST", path: "/order", headers: [HeaderField("Content-Type", contentType)],
                    body: Array("{}".utf8)), route: route)
            #expect(spaced["isBase64Encoded"] as? Bool == false, "\(contentType)")
        }
    }

    @Test(
        "header values are trimmed of what Foundation's whitespaces name, and nothing else",
        arguments: [
            "", " ", "\t\t", "a", " a ", "\ta b\t", "\u{00A0}a\u{3000}", "\u{2003} Bearer x \u{202F}", "\na\n",
            "\r a \r", "é ", " \u{1F600} ", "a\u{00A0}\u{00A0}b",
        ])
    func trimmingWhitespace(text: String) {
        #expect(String(text.trimmingWhitespace) == text.trimmingCharacters(in: .whitespaces))
        #expect(String(text.dropFirst(0).trimmingWhitespace) == text.trimmingCharacters(in: .whitespaces))
    }

    // Foundation on Linux trims it too; it is a format character (Cf), not a space separator.
    @Test("a zero-width space is not whitespace")
    func zeroWidthSpace() {
        #expect(String("\u{200B}a\u{200B}".trimmingWhitespace) == "\u{200B}a\u{200B}")
    }

    @Test("a scheduled event has EventBridge's shape")
    func scheduledEvent() throws {
        let function = FunctionDefinition(logicalID: "DispatchEventsFunction", codeURI: "functions/dispatch-events")
        let schedule = ScheduleDefinition(eventName: "EveryMinute", expression: "rate(1 minute)")
        let bytes = ScheduledEvent(function: function, schedule: schedule, time: Self.time, id: "evt-1")
            .json(for: schedule)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(event["version"] as? String == "0")
        #expect(event["id"] as? String == "evt-1")
        #expect(event["detail-type"] as? String == "Scheduled Event")
        #expect(event["source"] as? String == "aws.events")
        #expect(event["account"] as? String == "123456789012")
        #expect(event["region"] as? String == "us-east-1")
        #expect(event["time"] as? String == "2026-11-25T09:30:00Z")
        #expect(
            event["resources"] as? [String] == [
                "arn:aws:events:us-east-1:123456789012:rule/DispatchEventsFunctionEveryMinute"
            ])
        #expect((event["detail"] as? [String: Any])?.isEmpty == true)

        let custom = ScheduleDefinition(eventName: "E", expression: "rate(1 minute)", input: #"{"batch":10}"#)
        #expect(
            ScheduledEvent(function: function, schedule: custom, time: Self.time).json(for: custom)
                == Array(#"{"batch":10}"#.utf8))
    }
}
