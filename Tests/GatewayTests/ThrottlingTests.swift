import Foundation
import FunctionRuntime
import Synchronization
import Testing

@testable import LocalGateway

/// Throttling as API Gateway applies it to HTTP API routes: a token bucket per route, its limits from the stage's
/// `DefaultRouteSettings`, overridden limit by limit by the `RouteSettings` of the route.
@Suite("Throttling")
struct ThrottlingTests {
    @Test("a bucket answers its burst at once, then refills at its rate, never beyond its burst")
    func tokenBucket() {
        let bucket = TokenBucket(ThrottleSettings(burstLimit: 2, rateLimit: 4))
        let start = ContinuousClock.now
        #expect(bucket.take(at: start))
        #expect(bucket.take(at: start))
        #expect(!bucket.take(at: start))
        // A quarter of a second at 4 a second is one token.
        #expect(bucket.take(at: start + .milliseconds(250)))
        #expect(!bucket.take(at: start + .milliseconds(260)))
        // A long quiet spell fills the bucket to its burst, no more.
        let later = start + .seconds(60)
        #expect(bucket.take(at: later))
        #expect(bucket.take(at: later))
        #expect(!bucket.take(at: later))
    }

    @Test("a burst of 0 refuses every request; a rate of 0 allows the burst and nothing after")
    func zeroLimits() {
        let closed = TokenBucket(ThrottleSettings(burstLimit: 0, rateLimit: 100))
        #expect(!closed.take(at: .now + .seconds(10)))
        let once = TokenBucket(ThrottleSettings(burstLimit: 1, rateLimit: 0))
        let start = ContinuousClock.now
        #expect(once.take(at: start))
        #expect(!once.take(at: start + .seconds(3600)))
    }

    static let yaml = """
        Parameters:
          Rate:
            Type: Number
            Default: 50
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties:
              DefaultRouteSettings:
                ThrottlingRateLimit: !Ref Rate
                ThrottlingBurstLimit: 100
              RouteSettings:
                "GET /slow":
                  ThrottlingBurstLimit: 1
          Quiet:
            Type: AWS::Serverless::HttpApi
            Properties:
              DefaultRouteSettings:
                ThrottlingBurstLimit: 7
          F:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: functions/f
              Events:
                Fast:
                  Type: HttpApi
                  Properties: { ApiId: !Ref Api, Path: /fast, Method: GET }
                Slow:
                  Type: HttpApi
                  Properties: { ApiId: !Ref Api, Path: /slow, Method: GET }
                Own:
                  Type: HttpApi
                  Properties:
                    ApiId: !Ref Api
                    Path: /own
                    Method: POST
                    RouteSettings: { ThrottlingRateLimit: 0.5 }
                Other:
                  Type: HttpApi
                  Properties: { ApiId: !Ref Quiet, Path: /quiet, Method: GET }
                Implicit:
                  Type: HttpApi
                  Properties: { Path: /open, Method: GET }
                Rest:
                  Type: Api
                  Properties: { Path: /rest, Method: GET }
        """

    @Test("the route's own settings win limit by limit over the stage's defaults; an unset limit is the account's")
    func templateSettings() throws {
        let template = try ServerlessTemplate.parse(yaml: Self.yaml, parameterOverrides: ["Rate": "2.5"])
        let routes = try #require(template.function(named: "F")?.routes)
        let throttles = Dictionary(uniqueKeysWithValues: routes.map { ($0.routeKey, $0.throttle) })
        #expect(throttles["GET /fast"] == ThrottleSettings(burstLimit: 100, rateLimit: 2.5))
        #expect(throttles["GET /slow"] == ThrottleSettings(burstLimit: 1, rateLimit: 2.5))
        #expect(throttles["POST /own"] == ThrottleSettings(burstLimit: 100, rateLimit: 0.5))
        #expect(throttles["GET /quiet"] == ThrottleSettings(burstLimit: 7, rateLimit: 10000))
        #expect(throttles["GET /open"] == .some(nil))
        #expect(throttles["GET /rest"] == .some(nil))
    }

    @Test("the service's template throttles every route from its parameters")
    func serviceTemplate() throws {
        let path = Paths.packageRoot.appendingPathComponent("template.yaml").path
        let deployed = try ServerlessTemplate.load(fromFile: path)
        let routes = deployed.functions.flatMap(\.routes)
        #expect(!routes.isEmpty)
        #expect(routes.allSatisfy { $0.throttle == ThrottleSettings(burstLimit: 1000, rateLimit: 500) })
        let local = try ServerlessTemplate.load(
            fromFile: path, parameterOverrides: ["ApiThrottlingBurstLimit": "2", "ApiThrottlingRateLimit": "0"])
        #expect(
            local.functions.flatMap(\.routes).allSatisfy {
                $0.throttle == ThrottleSettings(burstLimit: 2, rateLimit: 0)
            })
    }

    @Test(
        "limits that are not numbers of requests are refused, naming where",
        arguments: [
            "ThrottlingBurstLimit: many", "ThrottlingBurstLimit: -1", "ThrottlingBurstLimit: 1.5",
            "ThrottlingRateLimit: fast", "ThrottlingRateLimit: -2",
        ])
    func invalid(setting: String) {
        let yaml = """
            Resources:
              Api:
                Type: AWS::Serverless::HttpApi
                Properties:
                  DefaultRouteSettings: { \(setting) }
              F:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: f
                  Events:
                    E: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /x, Method: GET } }
            """
        #expect {
            try ServerlessTemplate.parse(yaml: yaml)
        } throws: { error in
            let error = error as? GatewayError
            return error?.code == "template_invalid" && error?.message.contains("Api.DefaultRouteSettings") == true
        }
    }

    @Test("beyond its bucket a route answers 429 before its authorizer and function; other routes are not affected")
    func gateway() async throws {
        let template = try ServerlessTemplate.parse(yaml: Self.yaml)
        let log = LogRecorder()
        let invoker = RecordingInvoker { _, _ in Array(#"{"statusCode":200,"body":""}"#.utf8) }
        let gateway = try Gateway(template: template, invoker: invoker, log: log.sink)
        let first = await gateway.respond(to: GatewayRequest(method: "GET", path: "/slow"))
        #expect(first.status == 200)
        let throttled = await gateway.respond(to: GatewayRequest(method: "GET", path: "/slow"))
        #expect(throttled.status == 429)
        #expect(String(decoding: throttled.body, as: UTF8.self) == #"{"message":"Too Many Requests"}"#)
        #expect(throttled.headers.contains { $0.name.lowercased() == "apigw-requestid" })
        let other = await gateway.respond(to: GatewayRequest(method: "GET", path: "/fast"))
        #expect(other.status == 200)
        #expect(invoker.calls.withLock { $0.count } == 2)
        let throttledLines = log.lines.withLock { lines in
            lines.filter { if case .notice("request throttled", _, _) = $0 { true } else { false } }
        }
        #expect(throttledLines.count == 1)
    }
}
