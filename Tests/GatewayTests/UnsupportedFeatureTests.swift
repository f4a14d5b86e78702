import Foundation
import Testing

@testable import LocalGateway

/// What the gateway does not emulate is said at start, one warning line per feature naming its resource, instead of
/// being served as if it were not there.
@Suite("Unsupported template features")
struct UnsupportedFeatureTests {
    /// One function the gateway serves (the console page), beside one of each feature it does not emulate.
    static let yaml = """
        Conditions:
          IsProduction: !Equals [!Ref "AWS::StackName", production]
        Resources:
          PageApi:
            Type: AWS::Serverless::HttpApi
            Properties:
              StageVariables: { Color: blue }
              Auth:
                Authorizers:
                  CustomAuthorizer:
                    FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:authorize
          Sockets:
            Type: AWS::ApiGatewayV2::Api
            Properties: { Name: sockets, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action }
          SocketRoute:
            Type: AWS::ApiGatewayV2::Route
            Properties: { ApiId: !Ref Sockets, RouteKey: $connect }
          Legacy:
            Type: AWS::Lambda::Function
            Properties: { Handler: index.handler, Runtime: nodejs20.x, Role: arn, Code: { ZipFile: "" } }
          PageFunction:
            Type: AWS::Serverless::Function
            Condition: IsProduction
            Properties:
              CodeUri: functions/order-console
              FunctionUrlConfig: { AuthType: NONE }
              Environment:
                Variables:
                  SHARED_TABLE: !ImportValue orders-table
                  KEPT: kept
              Events:
                Page:
                  Type: HttpApi
                  Properties: { ApiId: !Ref PageApi, Path: /console, Method: GET }
                Jobs:
                  Type: SQS
                  Properties: { Queue: arn:aws:sqs:us-east-1:123456789012:jobs }
        """

    static let expected = [
        UnsupportedFeature(resource: "PageApi", feature: "StageVariables: events carry none"),
        UnsupportedFeature(
            resource: "PageApi",
            feature: "the authorizer CustomAuthorizer is not a JWT authorizer (a Lambda authorizer?) and is not "
                + "emulated; the gateway refuses to start if a route uses it"),
        UnsupportedFeature(resource: "Sockets", feature: "a WebSocket API is not served: its clients cannot connect"),
        UnsupportedFeature(
            resource: "SocketRoute",
            feature: "AWS::ApiGatewayV2::Route: a route declared outside SAM events is not served"),
        UnsupportedFeature(
            resource: "Legacy",
            feature:
                "AWS::Lambda::Function: a plain Lambda function is not run (only AWS::Serverless::Function is); no "
                + "route reaches it"),
        UnsupportedFeature(
            resource: "PageFunction",
            feature: "its Condition IsProduction is not evaluated: the resource is served as if it held"),
        UnsupportedFeature(
            resource: "PageFunction", feature: "FunctionUrlConfig: its function URL is not served, only its API routes"),
        UnsupportedFeature(
            resource: "PageFunction",
            feature: "PageFunction.Environment.Variables.SHARED_TABLE uses Fn::ImportValue, which cannot be resolved "
                + "locally; SHARED_TABLE is left unset (--env-vars can set it)"),
        UnsupportedFeature(
            resource: "PageFunction",
            feature: "the SQS event Jobs has no local trigger; local-gateway invoke can run the function with such an "
                + "event"),
    ]

    @Test("each feature not emulated is listed once, naming its resource; what is emulated is still read")
    func listed() throws {
        let template = try ServerlessTemplate.parse(yaml: Self.yaml)
        #expect(template.unsupported == Self.expected)
        let page = try #require(template.function(named: "PageFunction"))
        #expect(page.environment == ["KEPT": "kept"])
        #expect(page.routes.map(\.routeKey) == ["GET /console"])
    }

    @Test("the service's own template uses nothing the gateway does not emulate")
    func serviceTemplate() throws {
        let template = try ServerlessTemplate.load(
            fromFile: Paths.packageRoot.appendingPathComponent("template.yaml").path)
        #expect(template.unsupported == [])
    }

    @Test("start-api writes one warning line per feature, then serves what it can")
    func startAPIWarns() async throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let templateFile = directory.appendingPathComponent("template.yaml")
        try Self.yaml.write(to: templateFile, atomically: true, encoding: .utf8)
        let gateway = try GatewayProcess([
            "--template", templateFile.path, "--functions-dir", Paths.binaries.path,
            "--data-dir", directory.appendingPathComponent("data").path,
        ])
        defer { gateway.stop() }
        let warnings = gateway.logLines("not emulated")
        #expect(
            warnings.map {
                UnsupportedFeature(resource: $0["resource"] as? String ?? "", feature: $0["feature"] as? String ?? "")
            }
                == Self.expected)
        #expect(warnings.allSatisfy { $0["level"] as? String == "warning" })
        #expect(try await HTTPClient(port: gateway.port).send("GET", "/console").status == 200)
    }

    @Test("generate-event says the same on standard error, and still prints the event")
    func generateEventWarns() throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let templateFile = directory.appendingPathComponent("template.yaml")
        try Self.yaml.write(to: templateFile, atomically: true, encoding: .utf8)
        let generated = try CommandTests.run([
            "generate-event", "--template", templateFile.path, "--path", "/console",
            "--data-dir", directory.appendingPathComponent("data").path,
        ])
        #expect(generated.status == 0, "\(generated.error)")
        for feature in Self.expected {
            #expect(generated.error.contains("not emulated: \(feature.resource): \(feature.feature)"))
        }
        #expect(generated.output.contains(#""routeKey":"GET /console""#))
    }
}
