import Foundation
import FunctionRuntime
import Synchronization
import Testing

@testable import LocalGateway

/// The gateway with an authorizer, in process: refused requests never reach the function, accepted ones carry the
/// claims in their event.
@Suite("Gateway authorization, in process")
struct GatewayAuthorizationTests {
    static let template = ServerlessTemplate(functions: [
        FunctionDefinition(
            logicalID: "GetOrderFunction", codeURI: "functions/get-order",
            routes: [
                RouteDefinition(
                    eventName: "Get", method: "GET", path: "/order/{id}", payloadVersion: .v2,
                    authorization: RouteAuthorization(authorizer: TestTokens.authorizer, scopes: ["orders/read"]))
            ])
    ])

    func gateway(_ invoker: RecordingInvoker, authorizer: JWTAuthorizer?, log: LogRecorder = LogRecorder()) throws
        -> Gateway
    {
        var gateway = try Gateway(template: Self.template, invoker: invoker, log: log.sink)
        gateway.authorizer = authorizer
        return gateway
    }

    static let answer: @Sendable (FunctionDefinition, [UInt8]) async throws(InvocationError) -> [UInt8] = { _, _ in
        Array(#"{"statusCode":200,"body":"{}"}"#.utf8)
    }

    @Test("an accepted token's claims and scopes reach the function at requestContext.authorizer.jwt")
    func claimsInEvent() async throws {
        let key = try TestKey(kid: "k1")
        let keys = try await TrustedKeys.jwks(try TestKey.jwks([key]), source: "test")
        let invoker = RecordingInvoker(answer: Self.answer)
        let gateway = try gateway(invoker, authorizer: JWTAuthorizer(keys: keys, now: { TestTokens.now }))
        let token = try await key.sign(TestTokens.claims(sub: "carol", scope: "orders/read orders/create"))
        let response = await gateway.respond(
            to: GatewayRequest(
                method: "GET", path: "/order/7", headers: [HeaderField("Authorization", "Bearer \(token)")]))
        #expect(response.status == 200)
        let event = try #require(invoker.calls.withLock { $0.first?.event })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event)) as? [String: Any])
        let context = try #require(object["requestContext"] as? [String: Any])
        let jwt = try #require((context["authorizer"] as? [String: Any])?["jwt"] as? [String: Any])
        let claims = try #require(jwt["claims"] as? [String: String])
        #expect(claims["sub"] == "carol")
        #expect(claims["iss"] == TestTokens.issuer)
        #expect(jwt["scopes"] as? [String] == ["orders/read", "orders/create"])
        // The token itself is passed on only as the header it came in.
        #expect(!claims.values.contains(token))
    }

    @Test("a refused request gets 401 or 403, runs nothing, and its log line says why")
    func refused() async throws {
        let invoker = RecordingInvoker(answer: Self.answer)
        let log = LogRecorder()
        let gateway = try gateway(invoker, authorizer: JWTAuthorizer(keys: .none), log: log)
        let response = await gateway.respond(to: GatewayRequest(method: "GET", path: "/order/7"))
        #expect(response.status == 401)
        #expect(response.values(of: "www-authenticate").first?.contains("the request has no token") == true)
        #expect(invoker.calls.withLock { $0.isEmpty })
        let refusals = log.lines.withLock { lines in
            lines.filter { if case .notice("request refused", _, _) = $0 { true } else { false } }
        }
        #expect(refusals.count == 1)
    }

    @Test("by default nothing is trusted: a route with an authorizer refuses every token")
    func failsClosed() async throws {
        let key = try TestKey(kid: "k1")
        let invoker = RecordingInvoker(answer: Self.answer)
        let gateway = try Gateway(template: Self.template, invoker: invoker, log: LogRecorder().sink)
        let token = try await key.sign(TestTokens.claims())
        let response = await gateway.respond(
            to: GatewayRequest(method: "GET", path: "/order/7", headers: [HeaderField("Authorization", token)]))
        #expect(response.status == 401)
        #expect(invoker.calls.withLock { $0.isEmpty })
    }

    @Test("with authorizers off (--no-auth) the route is open and the event has no authorizer")
    func noAuth() async throws {
        let invoker = RecordingInvoker(answer: Self.answer)
        let response = try await gateway(invoker, authorizer: nil).respond(
            to: GatewayRequest(method: "GET", path: "/order/7"))
        #expect(response.status == 200)
        let event = try #require(invoker.calls.withLock { $0.first?.event })
        #expect(!String(decoding: event, as: UTF8.self).contains("\"authorizer\""))
    }
}
