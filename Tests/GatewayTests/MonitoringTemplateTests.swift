import Foundation
import Testing

@testable import LocalGateway

/// The service's template with its monitoring: the gateway emulates the functions and their routes, and passes over
/// what it does not emulate (the alarm topic, the alarms, their `Conditions` and `!If`s).
@Suite("Template monitoring resources")
struct MonitoringTemplateTests {
    static let servicePath = Paths.packageRoot.appendingPathComponent("template.yaml").path

    @Test("the template with its alarms and topic loads, with or without an alarm address, and yields only functions")
    func loadsPastAlarms() throws {
        let text = try String(contentsOfFile: Self.servicePath, encoding: .utf8)
        // The resources this test is about are really there.
        for resource in ["AlarmTopic:", "EventsDeadAlarm:", "FunctionErrorsAlarm:", "OldestPendingEventAgeAlarm:"] {
            #expect(text.contains(resource), "template.yaml has no \(resource)")
        }
        #expect(text.contains("Conditions:"))

        for overrides in [[:], ["AlarmEmail": "oncall@example.com", "ApiDurationP99LimitMs": "500"]] {
            let template = try ServerlessTemplate.load(fromFile: Self.servicePath, parameterOverrides: overrides)
            #expect(
                Set(template.functions.map(\.executableName)) == [
                    "create-order", "update-order-status", "cancel-order", "get-order", "get-order-events",
                    "dispatch-events", "list-orders", "reindex", "order-console",
                ])
            #expect(try RouteTable(template: template).routes.count == 8)
        }
    }

    @Test("a Condition is reported only on what the gateway serves, not on a topic or an alarm it passes over")
    func conditionsOnMonitoring() throws {
        let template = try ServerlessTemplate.parse(
            yaml: """
                Conditions:
                  HasAlarmEmail: !Not [!Equals [!Ref AlarmEmail, ""]]
                Parameters:
                  AlarmEmail: { Type: String, Default: "" }
                Resources:
                  AlarmTopic:
                    Type: AWS::SNS::Topic
                    Condition: HasAlarmEmail
                  Alarm:
                    Type: AWS::CloudWatch::Alarm
                    Condition: HasAlarmEmail
                    Properties:
                      AlarmActions: !If [HasAlarmEmail, [!Ref AlarmTopic], !Ref AWS::NoValue]
                  Served:
                    Type: AWS::Serverless::Function
                    Condition: HasAlarmEmail
                    Properties: { CodeUri: functions/f, Runtime: provided.al2023, Handler: bootstrap }
                """)
        #expect(template.unsupported.map(\.resource) == ["Served"])
        #expect(template.functions.map(\.logicalID) == ["Served"])
    }
}
