import Foundation
import FunctionRuntime
import Testing

@testable import LocalGateway

@Suite("Template loading")
struct TemplateTests {
    @Test("the service's template.yaml declares the three functions, their routes and settings")
    func serviceTemplate() throws {
        let template = try ServerlessTemplate.load(
            fromFile: Paths.packageRoot.appendingPathComponent("template.yaml").path)
        let create = try #require(template.function(named: "CreateOrderFunction"))
        #expect(create.executableName == "create-order")
        #expect(create.runtime == "provided.al2023")
        #expect(create.handler == "bootstrap")
        #expect(create.environment["ORDER_DATA_DIR"] == "/mnt/orders")
        #expect(create.routes.map(\.routeKey) == ["POST /order"])
        #expect(create.routes.allSatisfy { $0.payloadVersion == .v2 })
        #expect(
            template.function(named: "update-order-status")?.routes.map(\.routeKey) == [
                "PUT /order", "PUT /order/{id}/status",
            ])
        #expect(template.function(named: "cancel-order")?.routes.map(\.routeKey) == ["POST /order/{id}/cancel"])
        #expect(create.environment["ORDER_DEFAULT_CURRENCY"] == "EUR")
        #expect(template.function(named: "get-order")?.routes.map(\.routeKey) == ["GET /order/{id}"])
        #expect(try RouteTable(template: template).routes.count >= 4)
    }

    static let yaml = """
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Stage:
            Type: String
            Default: test
        Globals:
          Function:
            Timeout: 7
            MemorySize: 256
            Environment:
              Variables:
                SHARED: globals
                OVERRIDDEN: globals
        Resources:
          Queue:
            Type: AWS::SQS::Queue
          ApiFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: functions/api
              Timeout: 2.5
              Environment:
                Variables:
                  OVERRIDDEN: function
                  STAGE: !Ref Stage
                  QUEUE_URL: !Ref Queue
                  QUEUE_ARN: !GetAtt Queue.Arn
                  NAME: !Sub "orders-${Stage}-${AWS::Region}"
                  LONG: { "Fn::Sub": ["${A}-${B}", { A: a, B: !Ref Stage }] }
                  JOINED: !Join ["/", [a, !Ref Stage, c]]
                  LITERAL: !Sub "${!NotAVariable}"
                  COUNT: 3
              Events:
                Rest:
                  Type: Api
                  Properties:
                    Path: /rest/{id}
                    Method: get
                Http:
                  Type: HttpApi
                  Properties:
                    Path: /http
                    Method: any
                Legacy:
                  Type: HttpApi
                  Properties:
                    Path: /legacy
                    Method: POST
                    PayloadFormatVersion: "1.0"
                Default:
                  Type: HttpApi
                Queue:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt Queue.Arn
          TimerFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: functions/timer
              Events:
                Every5:
                  Type: Schedule
                  Properties:
                    Schedule: rate(5 minutes)
                Off:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 hour)
                    Enabled: false
                Nightly:
                  Type: ScheduleV2
                  Properties:
                    ScheduleExpression: cron(0 2 * * ? *)
                    Input: '{"full": true}'
        """

    @Test("Globals merge into functions, and CloudFormation tags resolve")
    func globalsAndTags() throws {
        let template = try ServerlessTemplate.parse(yaml: Self.yaml)
        #expect(template.functions.map(\.logicalID) == ["ApiFunction", "TimerFunction"])
        let api = try #require(template.function(named: "api"))
        #expect(api.timeoutSeconds == 2.5)
        #expect(api.memorySize == 256)
        #expect(
            api.environment == [
                "SHARED": "globals", "OVERRIDDEN": "function", "STAGE": "test", "QUEUE_URL": "Queue",
                "QUEUE_ARN": "Queue.Arn", "NAME": "orders-test-us-east-1", "LONG": "a-test", "JOINED": "a/test/c",
                "LITERAL": "${NotAVariable}", "COUNT": "3",
            ])
        let timer = try #require(template.function(named: "TimerFunction"))
        #expect(timer.timeoutSeconds == 7)
        #expect(timer.memorySize == 256)
    }

    @Test("Api events are payload 1.0, HttpApi 2.0 unless PayloadFormatVersion says otherwise")
    func events() throws {
        let api = try #require(try ServerlessTemplate.parse(yaml: Self.yaml).function(named: "ApiFunction"))
        #expect(
            api.routes == [
                RouteDefinition(eventName: "Rest", method: "GET", path: "/rest/{id}", payloadVersion: .v1),
                RouteDefinition(eventName: "Http", method: nil, path: "/http", payloadVersion: .v2),
                RouteDefinition(
                    eventName: "Legacy", method: "POST", path: "/legacy", payloadVersion: .v1, api: .httpAPI),
                RouteDefinition(eventName: "Default", method: nil, path: "$default", payloadVersion: .v2),
            ])
        #expect(api.routes.map(\.routeKey) == ["GET /rest/{id}", "ANY /http", "POST /legacy", "$default"])
    }

    @Test("Schedule and ScheduleV2 events are read, disabled ones kept as disabled")
    func schedules() throws {
        let timer = try #require(try ServerlessTemplate.parse(yaml: Self.yaml).function(named: "TimerFunction"))
        #expect(
            timer.schedules == [
                ScheduleDefinition(eventName: "Every5", expression: "rate(5 minutes)"),
                ScheduleDefinition(eventName: "Off", expression: "rate(1 hour)", isEnabled: false),
                ScheduleDefinition(eventName: "Nightly", expression: "cron(0 2 * * ? *)", input: #"{"full": true}"#),
            ])
    }

    @Test(
        "templates the gateway cannot serve are refused with a reason",
        arguments: [
            ("Resources: [", "template_unreadable"),
            ("Description: no resources", "template_invalid"),
            (
                "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: x",
                "template_invalid"
            ),
            (
                "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: f\n      Timeout: soon",
                "template_invalid"
            ),
            (
                "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: !Ref Missing",
                "template_invalid"
            ),
            (
                "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: !If [a, b, c]",
                "template_invalid"
            ),
        ])
    func invalid(yaml: String, code: String) {
        do {
            _ = try ServerlessTemplate.parse(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test("schedule expressions: rate(...) runs, cron(...) is reported, malformed rates are errors")
    func scheduleExpressions() throws {
        #expect(try ScheduleExpression("rate(1 minute)") == .rate(.seconds(60)))
        #expect(try ScheduleExpression("rate(5 minutes)") == .rate(.seconds(300)))
        #expect(try ScheduleExpression("rate(2 hours)") == .rate(.seconds(7200)))
        #expect(try ScheduleExpression("rate(1 day)") == .rate(.seconds(86400)))
        #expect(try ScheduleExpression("cron(0 2 * * ? *)") == .unsupported("cron(0 2 * * ? *)"))
        for bad in ["rate(0 minutes)", "rate(five minutes)", "rate(1 fortnight)", "rate(1)"] {
            #expect(throws: GatewayError.self, "\(bad)") { try ScheduleExpression(bad) }
        }
    }
}
