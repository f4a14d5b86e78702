import FunctionRuntime
import OrderHTTP
import StructuredLog
import Testing

@Suite("API Gateway proxy events")
struct ProxyEventTests {
    @Test("payload 2.0 is read and answered in 2.0")
    func payloadV2() throws {
        let event = #"""
            {"version": "2.0", "rawPath": "/order/2", "rawQueryString": "a=1", "cookies": ["s=1"],
             "headers": {"If-Match": "\"1\""}, "queryStringParameters": {"a": "1"}, "pathParameters": {"id": "2"},
             "requestContext": {"requestId": "r-1", "http": {"method": "GET", "path": "/order/2"}}, "isBase64Encoded": false}
            """#
        let request = try FunctionRequest(event: Array(event.utf8))
        #expect(request.payloadVersion == .v2)
        #expect(request.method == "GET")
        #expect(request.header("if-match") == "\"1\"")
        #expect(request.header("Cookie") == "s=1")
        #expect(request.pathParameters["id"] == "2")
        #expect(request.requestID == "r-1")
        let answer = FunctionResponse(statusCode: 200, headers: ["ETag": "\"1\""], body: "{}").encoded(for: .v2)
        #expect(answer == #"{"statusCode":200,"headers":{"ETag":"\"1\""},"body":"{}","isBase64Encoded":false}"#)
    }

    @Test("payload 1.0 is read with its multi-value headers and answered in 1.0")
    func payloadV1() throws {
        let event = #"""
            {"resource": "/order", "path": "/order", "httpMethod": "POST", "headers": {"Accept": "b"},
             "multiValueHeaders": {"Accept": ["a", "b"]}, "body": "e30=", "isBase64Encoded": true,
             "requestContext": {"requestId": "r-2"}}
            """#
        let request = try FunctionRequest(event: Array(event.utf8))
        #expect(request.payloadVersion == .v1)
        #expect(request.header("accept") == "a,b")
        #expect(request.body == Array("{}".utf8))
        let answer = FunctionResponse(statusCode: 201, headers: ["A": "1"], body: "").encoded(for: .v1)
        #expect(answer.contains(#""multiValueHeaders":{"A":["1"]}"#))
    }

    @Test("anything else is not an event", arguments: ["", "null", "[]", #"{"version": "2.0"}"#, #"{"path": "/"}"#])
    func notAnEvent(text: String) {
        #expect(throws: (any Error).self) { try FunctionRequest(event: Array(text.utf8)) }
    }

    @Test(
        "a field of the wrong type is refused, naming it",
        arguments: [
            (#"{"path": "/", "httpMethod": "GET", "headers": {"a": 1}}"#, "headers.a: expected a string"),
            (
                #"{"path": "/", "httpMethod": "GET", "multiValueHeaders": {"a": null}}"#,
                "multiValueHeaders.a: is missing"
            ),
            (#"{"version": "2.0", "rawPath": "/", "requestContext": {"http": {}}}"#, "requestContext.http.method"),
            (#"{"path": "/", "httpMethod": "GET", "isBase64Encoded": "no"}"#, "isBase64Encoded: expected a boolean"),
        ])
    func wrongType(text: String, naming field: String) {
        let error = #expect(throws: (any Error).self) { try FunctionRequest(event: Array(text.utf8)) }
        #expect(error.map { "\($0)".contains(field) } == true)
    }
}
