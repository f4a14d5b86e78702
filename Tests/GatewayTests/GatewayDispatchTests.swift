import Foundation
import FunctionRuntime
import Synchronization
import Testing

@testable import LocalGateway

/// `Gateway.dispatch`, the part of answering a request that comes before any function runs, which
/// `generate-event` prints: what it gives is what `respond` acts on.
@Suite("Gateway dispatch, in process")
struct GatewayDispatchTests {
    static let template = ServerlessTemplate(functions: [
        FunctionDefinition(
            logicalID: "GetOrderFunction", codeURI: "functions/get-order",
            routes: [RouteDefinition(eventName: "Get", method: "GET", path: "/order/{id}", payloadVersion: .v2)])
    ])

    @Test("the event dispatch builds is, byte for byte, the one respond hands to the function")
    func sameEvent() async throws {
        let invoker = RecordingInvoker { _, _ in Array(#"{"statusCode":200,"body":"{}"}"#.utf8) }
        let fixed = Date(timeIntervalSince1970: 1_800_000_000)
        let gateway = try Gateway(template: Self.template, invoker: invoker, now: { fixed }, log: { _ in })
        let request = GatewayRequest(
            method: "GET", path: "/order/A%2D1", rawQuery: "x=1", headers: [HeaderField("Host", "api.test")])

        #expect(await gateway.respond(to: request).status == 200)
        let sent = try #require(invoker.calls.withLock { $0.first })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sent.event)) as? [String: Any])
        let requestID = try #require((object["requestContext"] as? [String: Any])?["requestId"] as? String)

        guard case .invoke(let function, let route, let event) = await gateway.dispatch(request, requestID: requestID)
        else {
            Issue.record("dispatch did not reach the function")
            return
        }
        #expect(function.logicalID == "GetOrderFunction")
        #expect(route.routeKey == "GET /order/{id}")
        #expect(event == sent.event)
    }

    @Test("a request the gateway answers itself is answered, and no function is named")
    func answered() async throws {
        let invoker = RecordingInvoker { _, _ in [] }
        let gateway = try Gateway(template: Self.template, invoker: invoker, log: { _ in })
        guard
            case .answered(let response) = await gateway.dispatch(
                GatewayRequest(method: "GET", path: "/nowhere"), requestID: "r-1")
        else {
            Issue.record("dispatch reached a function for a path no route matches")
            return
        }
        #expect(response.status == 404)
        #expect(invoker.calls.withLock { $0.isEmpty })
    }
}
