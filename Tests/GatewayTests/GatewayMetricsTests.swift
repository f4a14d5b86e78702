import Foundation
import FunctionRuntime
import OrderHTTP
import Synchronization
import Testing

@testable import LocalGateway

/// `GET /metrics` and what the gateway counts, in process, with a recording invoker.
@Suite("Gateway metrics, in process")
struct GatewayMetricsTests {
    static let authorizer = JWTAuthorizerDefinition(
        name: "OrderAuthorizer", issuer: "https://issuer.example", audiences: ["order-service"])
    static let template = ServerlessTemplate(
        functions: [
            FunctionDefinition(
                logicalID: "GetOrderFunction", codeURI: "functions/get-order", timeoutSeconds: 2,
                routes: [
                    RouteDefinition(
                        eventName: "Get", method: "GET", path: "/order/{id}", payloadVersion: .v2,
                        authorization: nil)
                ])
        ], authorizers: [authorizer])

    /// A gateway whose function answers `status`, counting in `metrics`.
    static func gateway(_ metrics: GatewayMetrics, status: Int = 200) throws -> Gateway {
        let invoker = RecordingInvoker { _, _ in Array(#"{"statusCode":\#(status),"body":"{}"}"#.utf8) }
        var gateway = try Gateway(
            template: template, invoker: MeteredInvoker(invoker, metrics: metrics), log: { _ in })
        gateway.metrics = metrics
        return gateway
    }

    static func figures(_ gateway: Gateway, from address: String = "127.0.0.1") async throws -> PrometheusText {
        let response = await gateway.respond(
            to: GatewayRequest(method: "GET", path: "/metrics", sourceIP: address))
        #expect(response.status == 200)
        #expect(response.values(of: "Content-Type") == ["text/plain; version=0.0.4; charset=utf-8"])
        let text = PrometheusText(String(decoding: response.body, as: UTF8.self))
        #expect(text.unreadable.isEmpty)
        return text
    }

    @Test("requests are counted by route, function and status; the figures come from the gateway, not a function")
    func requestsCounted() async throws {
        let metrics = GatewayMetrics()
        let gateway = try Self.gateway(metrics)
        for _ in 0..<2 { _ = await gateway.respond(to: GatewayRequest(method: "GET", path: "/order/ORD-1")) }
        #expect(await gateway.respond(to: GatewayRequest(method: "GET", path: "/nowhere/42")).status == 404)

        let figures = try await Self.figures(gateway)
        let route = ["route": "GET /order/{id}", "function": "GetOrderFunction", "status": "200"]
        #expect(figures.value("gateway_requests_total", route) == 2)
        // An unknown path is one series, whatever the path: clients cannot grow the label set.
        #expect(
            figures.value("gateway_requests_total", ["route": "unmatched", "function": "none", "status": "404"]) == 1)
        #expect(figures.value("gateway_request_duration_seconds_count", ["route": "GET /order/{id}"]) == 2)
        #expect(figures.types["gateway_request_duration_seconds"] == "histogram")
        #expect(figures.value("function_invocations_total", ["function": "GetOrderFunction", "outcome": "ok"]) == 2)
        #expect(figures.value("function_invocation_duration_seconds_count", ["function": "GetOrderFunction"]) == 2)

        // The scrape itself is counted afterwards, and ran no function.
        let again = try await Self.figures(gateway)
        #expect(again.value("gateway_requests_total", ["route": "GET /metrics", "function": "none"]) == 1)
        #expect(again.value("function_invocations_total") == 2)
    }

    @Test("a function that fails is counted by how it failed")
    func failuresCounted() async throws {
        let metrics = GatewayMetrics()
        let invoker = RecordingInvoker { _, _ throws(InvocationError) in
            throw InvocationError(.timedOut, "ran past its timeout")
        }
        var gateway = try Gateway(
            template: Self.template, invoker: MeteredInvoker(invoker, metrics: metrics), log: { _ in })
        gateway.metrics = metrics
        #expect(await gateway.respond(to: GatewayRequest(method: "GET", path: "/order/ORD-1")).status == 504)
        let figures = try await Self.figures(gateway)
        #expect(
            figures.value("function_invocations_total", ["function": "GetOrderFunction", "outcome": "timed_out"]) == 1)
        #expect(figures.value("gateway_requests_total", ["status": "504"]) == 1)
    }

    @Test("from loopback no token is asked for; from another host the figures need a token with orders/admin")
    func access() async throws {
        let gateway = try Self.gateway(GatewayMetrics())
        for address in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            _ = try await Self.figures(gateway, from: address)
        }
        let remote = await gateway.respond(to: GatewayRequest(method: "GET", path: "/metrics", sourceIP: "10.0.0.7"))
        #expect(remote.status == 401)
        let forged = await gateway.respond(
            to: GatewayRequest(
                method: "GET", path: "/metrics", headers: [HeaderField("Authorization", "Bearer not.a.token")],
                sourceIP: "10.0.0.7"))
        #expect(forged.status == 401)
        let posted = await gateway.respond(to: GatewayRequest(method: "POST", path: "/metrics"))
        #expect(posted.status == 405)
        #expect(posted.values(of: "Allow") == ["GET"])
    }

    @Test("without metrics the gateway has no /metrics: the path is a route like any other")
    func off() async throws {
        let gateway = try Gateway(
            template: Self.template, invoker: RecordingInvoker { _, _ in Array("{}".utf8) }, log: { _ in })
        #expect(await gateway.respond(to: GatewayRequest(method: "GET", path: "/metrics")).status == 404)
    }

    @Test("schedule runs are counted, ok or failed")
    func scheduleRuns() async throws {
        let metrics = GatewayMetrics()
        let schedule = ScheduleDefinition(eventName: "EveryMinute", expression: "rate(1 minute)")
        let function = FunctionDefinition(
            logicalID: "DispatchEventsFunction", codeURI: "functions/dispatch-events", schedules: [schedule])
        let failing = Mutex(false)
        let invoker = RecordingInvoker { _, _ throws(InvocationError) in
            if failing.withLock({ $0 }) { throw InvocationError(.failed, "exited 1") }
            return Array("{}".utf8)
        }
        var runner = ScheduleRunner(
            template: ServerlessTemplate(functions: [function]), invoker: invoker, log: { _ in })
        runner.metrics = metrics
        await runner.fire(function, schedule)
        await runner.fire(function, schedule)
        failing.withLock { $0 = true }
        await runner.fire(function, schedule)

        let gateway = try Self.gateway(metrics)
        let figures = try await Self.figures(gateway)
        #expect(figures.value("schedule_runs_total", ["function": "DispatchEventsFunction", "outcome": "ok"]) == 2)
        #expect(figures.value("schedule_runs_total", ["function": "DispatchEventsFunction", "outcome": "failed"]) == 1)
    }
}
