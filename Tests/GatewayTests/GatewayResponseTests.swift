import Foundation
import FunctionRuntime
import OrderHTTP
import StructuredLog
import Testing

@testable import LocalGateway

@Suite("Response translation")
struct GatewayResponseTests {
    func translate(_ json: String, _ version: PayloadVersion = .v2) throws -> GatewayResponse {
        try GatewayResponse(functionOutput: Array(json.utf8), version: version)
    }

    @Test("a structured response keeps status, headers and body")
    func structured() throws {
        let response = try translate(
            #"{"statusCode":201,"headers":{"Location":"/order/7","X-Count":3},"body":"{\"id\":\"7\"}"}"#)
        #expect(response.status == 201)
        #expect(response.values(of: "location") == ["/order/7"])
        #expect(response.values(of: "X-Count") == ["3"])
        #expect(response.body == Array(#"{"id":"7"}"#.utf8))
    }

    @Test("payload 2.0: valid JSON without statusCode is a 200 with that JSON as the body")
    func inferred() throws {
        let object = try translate(#"{"hello":"world"}"# + "\n")
        #expect(object.status == 200)
        #expect(object.values(of: "content-type") == ["application/json"])
        #expect(object.body == Array(#"{"hello":"world"}"#.utf8))

        let string = try translate(#""just text""#)
        #expect(string.status == 200)
        #expect(string.body == Array(#""just text""#.utf8))
    }

    @Test("payload 1.0 needs a statusCode")
    func v1NeedsStatus() {
        #expect(throws: InvalidFunctionResponse.self) { try translate(#"{"hello":"world"}"#, .v1) }
    }

    @Test("a base64 body is decoded")
    func base64() throws {
        let response = try translate(#"{"statusCode":200,"body":"AAEC/w==","isBase64Encoded":true}"#)
        #expect(response.body == [0, 1, 2, 255])
    }

    @Test("payload 2.0 cookies become Set-Cookie headers")
    func cookies() throws {
        let response = try translate(#"{"statusCode":200,"cookies":["a=1","b=2; Path=/"],"body":""}"#)
        #expect(response.values(of: "set-cookie") == ["a=1", "b=2; Path=/"])
    }

    @Test("multi-value headers give every value, and win over headers of the same name")
    func multiValueHeaders() throws {
        let response = try translate(
            #"{"statusCode":200,"headers":{"X-Multi":"lost","X-One":"1"},"multiValueHeaders":{"X-Multi":["a","b"]},"body":""}"#,
            .v1)
        #expect(response.values(of: "x-multi") == ["a", "b"])
        #expect(response.values(of: "x-one") == ["1"])
    }

    @Test(
        "statusCode may be a whole number or a string of one; a header that is null or an object is dropped",
        arguments: [#""201""#, "201", "201.0"])
    func lenientStatus(statusCode: String) throws {
        let response = try translate(
            #"{"statusCode":"# + statusCode
                + #","headers":{"A":null,"B":{"x":1},"C":true,"D":1.5},"body":null,"isBase64Encoded":"TRUE"}"#)
        #expect(response.status == 201)
        #expect(response.headers == [HeaderField("C", "true"), HeaderField("D", "1.5")])
        #expect(response.body.isEmpty)
    }

    @Test("payload 1.0 ignores cookies, whatever they are")
    func v1IgnoresCookies() throws {
        let response = try translate(#"{"statusCode":204,"cookies":"a=1"}"#, .v1)
        #expect(response.status == 204)
        #expect(response.headers.isEmpty)
    }

    @Test(
        "output that is not a proxy response is refused",
        arguments: [
            "this is not JSON", "", #"{"statusCode":"abc"}"#, #"{"statusCode":700}"#, #"{"statusCode":200,"body":5}"#,
            #"{"statusCode":200,"body":"%%%","isBase64Encoded":true}"#, #"{"statusCode":200,"headers":[1]}"#,
            #"{"statusCode":true}"#, #"{"statusCode":null}"#, #"{"statusCode":200.5}"#,
            #"{"statusCode":200,"multiValueHeaders":{"A":"b"}}"#, #"{"statusCode":200,"cookies":"a=1"}"#,
            #"{"statusCode":200,"body":"x""#,
        ])
    func invalid(output: String) {
        #expect(throws: InvalidFunctionResponse.self) { try translate(output) }
    }

    @Test("an error answer uses the service's envelope")
    func envelope() throws {
        let response = GatewayResponse(.routeNotFound(method: "GET", path: "/nope"))
        #expect(response.status == 404)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(body["type"] as? String == "api_error")
        #expect(body["code"] as? String == "route_not_found")
    }
}
