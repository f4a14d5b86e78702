public import Foundation
import FunctionRuntime
import OrderHTTP

/// API Gateway, locally: turns an HTTP request into an event for the route's function, runs it through the
/// invoker, and turns the function's answer back into an HTTP response. Independent of any HTTP server.
///
/// Every request gets an answer: the gateway's own errors (404, 405, 413, 502, 504) use the service's error
/// envelope. Each request writes one access-log line on standard error. With an ``openAPIDocument``, the gateway
/// also answers `GET /openapi.yaml` itself, before looking at the template's routes, and with ``metrics`` it counts
/// every request and answers `GET /metrics`.
///
/// A route with an authorizer runs its function only for a request whose token ``authorizer`` accepts; any other
/// gets API Gateway's 401 or 403 and a `request refused` log line saying why.
///
/// A route with throttling limits (``RouteDefinition/throttle``) answers API Gateway's 429 to a request that finds its
/// token bucket empty, before the authorizer, with a `request throttled` log line.
///
/// For a route whose HTTP API has a `CorsConfiguration`, the gateway answers a browser's preflight (`OPTIONS` with
/// `Origin` and `Access-Control-Request-Method`) itself, with no authorizer and no function, and gives every
/// answer to a granted origin its `access-control-*` headers in place of any the function set.
public struct Gateway: Sendable {
    public let template: ServerlessTemplate
    public let routes: RouteTable
    public let invoker: any FunctionInvoker
    public var eventBuilder = ProxyEventBuilder()
    /// Checks the tokens of routes that have an authorizer. By default no key is trusted, so such routes refuse
    /// every request; `nil` turns authorizers off (`--no-auth`): every route is open and functions see no claims.
    public var authorizer: JWTAuthorizer? = JWTAuthorizer(keys: .none)
    /// The API's description, served at ``OpenAPIDocument/path``; `nil` serves nothing there.
    public var openAPIDocument: OpenAPIDocument?
    /// Where requests are counted, served at ``GatewayMetrics/path``; `nil` counts nothing and serves nothing there.
    public var metrics: GatewayMetrics?
    /// The clock for event times, passed in so tests can fix it.
    public var now: @Sendable () -> Date
    /// Where access-log and failure lines go.
    public var log: @Sendable (GatewayLogLine) -> Void
    /// The `CorsConfiguration` every HTTP API route shares, if they share one.
    private let sharedCORS: CORSConfiguration?
    /// The token buckets of the throttled routes.
    private let throttles: RouteThrottles

    /// - Throws: ``GatewayError`` `template_invalid` when the template's routes conflict.
    public init(
        template: ServerlessTemplate, invoker: any FunctionInvoker, now: @escaping @Sendable () -> Date = { Date() },
        log: @escaping @Sendable (GatewayLogLine) -> Void = { $0.write() }
    ) throws(GatewayError) {
        self.template = template
        routes = try RouteTable(template: template)
        throttles = RouteThrottles(routes: routes)
        self.invoker = invoker
        self.now = now
        self.log = log
        let httpRoutes = template.functions.flatMap(\.routes).filter { $0.api == .httpAPI }
        let configurations = httpRoutes.map(\.cors)
        sharedCORS = configurations.allSatisfy { $0 == configurations.first } ? configurations.first ?? nil : nil
    }

    /// Answers one request.
    public func respond(to request: GatewayRequest) async -> GatewayResponse {
        let started = ContinuousClock.now
        let requestID = RequestID.make()
        var functionID: String?
        var invoked: RouteDefinition?
        var response: GatewayResponse
        // The Origin first: without one CORS adds nothing, and finding the configuration takes a route lookup.
        if let origin = request.header("Origin"), let cors = corsConfiguration(for: request) {
            if request.method == "OPTIONS", request.header("Access-Control-Request-Method") != nil {
                response = GatewayResponse(status: 204, headers: cors.preflightHeaders(origin: origin))
            } else {
                response = await answer(request, requestID: requestID, functionID: &functionID, route: &invoked)
                response.headers.removeAll { $0.name.lowercased().hasPrefix("access-control-") }
                response.headers += cors.responseHeaders(origin: origin)
            }
        } else {
            response = await answer(request, requestID: requestID, functionID: &functionID, route: &invoked)
        }
        response.headers.append(HeaderField("Apigw-Requestid", requestID))
        let elapsed = ContinuousClock.now - started
        metrics?.recordRequest(
            route: metricsRoute(for: request, invoked: invoked), function: functionID, status: response.status,
            duration: elapsed)
        log(
            .access(
                method: request.method, path: request.path, status: response.status, function: functionID,
                durationMilliseconds: elapsed.milliseconds,
                requestID: requestID))
        return response
    }

    /// The CORS of the API a request is for: that of the route it reaches (for a preflight, the route of the method
    /// it asks about), else that of the template's HTTP API routes when they all share one, as API Gateway answers
    /// preflights for paths with no route too.
    private func corsConfiguration(for request: GatewayRequest) -> CORSConfiguration? {
        let method =
            request.method == "OPTIONS" ? request.header("Access-Control-Request-Method") ?? "OPTIONS" : request.method
        if case .matched(let match) = routes.lookup(method: method, path: request.path) {
            return match.route.definition.cors
        }
        return sharedCORS
    }

    /// What the gateway makes of a request before any function runs: its own answer, or the event for the route's
    /// function.
    public enum Dispatch: Sendable {
        /// The gateway answers itself: 413, the OpenAPI document, the figures at `/metrics`, 404, 405, 429, or the
        /// authorizer's 401 or 403.
        case answered(GatewayResponse)
        /// The request reaches `function` through `route`, as `event`.
        case invoke(function: FunctionDefinition, route: RouteDefinition, event: [UInt8])
    }

    /// Routes `request`, throttles it, checks its token and builds its event, as ``respond(to:)`` does before it
    /// runs a function: `start-api` and `generate-event` both go through here. Takes a token from the route's
    /// bucket and logs refusals, as a served request does; runs no function.
    public func dispatch(_ request: GatewayRequest, requestID: String) async -> Dispatch {
        guard !request.bodyTooLarge, request.body.count <= RequestLimits.maximumBodySize else {
            return .answered(GatewayResponse(.payloadTooLarge(limit: RequestLimits.maximumBodySize)))
        }
        if let document = openAPIDocument?.answer(method: request.method, path: request.path) {
            return .answered(document)
        }
        if let figures = await metricsAnswer(to: request) {
            return .answered(figures)
        }
        let match: RouteTable.Match
        switch routes.lookup(method: request.method, path: request.path) {
        case .notFound:
            return .answered(GatewayResponse(.routeNotFound(method: request.method, path: request.path)))
        case .methodNotAllowed(let allowed):
            return .answered(
                GatewayResponse(.methodNotAllowed(method: request.method, path: request.path, allowed: allowed)))
        case .matched(let found):
            match = found
        }

        // Before the authorizer, as API Gateway counts every request to the route, tokens or none.
        guard throttles.admit(match.route.definition) else {
            log(
                .notice(
                    "request throttled",
                    fields: ["request_id": requestID, "route": match.route.definition.routeKey]))
            return .answered(.tooManyRequests)
        }
        var grant: JWTAuthorizer.Grant?
        if let authorization = match.route.definition.authorization, let authorizer {
            switch await authorizer.authorize(request, for: authorization) {
            case .success(let granted):
                grant = granted
            case .failure(let refusal):
                log(
                    .notice(
                        "request refused",
                        fields: [
                            "request_id": requestID, "route": match.route.definition.routeKey,
                            "status": String(refusal.status), "reason": refusal.description,
                        ]))
                return .answered(GatewayResponse(refusal))
            }
        }
        let event = eventBuilder.event(for: request, match: match, requestID: requestID, time: now(), grant: grant)
        return .invoke(function: match.route.function, route: match.route.definition, event: event)
    }

    /// The answer to `request`; `functionID` and `route` say which function ran, through which route, if one did.
    private func answer(
        _ request: GatewayRequest, requestID: String, functionID: inout String?, route invoked: inout RouteDefinition?
    ) async -> GatewayResponse {
        let function: FunctionDefinition
        let route: RouteDefinition
        let event: [UInt8]
        switch await dispatch(request, requestID: requestID) {
        case .answered(let response):
            return response
        case .invoke(let target, let through, let built):
            (function, route, event) = (target, through, built)
        }
        functionID = function.logicalID
        invoked = route
        let output: [UInt8]
        do {
            output = try await invoker.invoke(
                function, event: event, requestID: requestID, traceID: request.header("X-Amzn-Trace-Id"))
        } catch {
            log(.failure(function: function.logicalID, requestID: requestID, error: error.message))
            switch error.kind {
            case .timedOut:
                return GatewayResponse(.gatewayTimeout(function: function.logicalID, seconds: function.timeoutSeconds))
            case .initializationFailed:
                return GatewayResponse(.functionCannotStart(function: function.logicalID, reason: error.message))
            default:
                return GatewayResponse(.badGateway(function: function.logicalID))
            }
        }
        do {
            return try GatewayResponse(functionOutput: output, version: route.payloadVersion)
        } catch {
            let shown = String(decoding: output.prefix(512), as: UTF8.self)
            log(.failure(function: function.logicalID, requestID: requestID, error: "\(error); output: \(shown)"))
            return GatewayResponse(.badGateway(function: function.logicalID))
        }
    }
}
