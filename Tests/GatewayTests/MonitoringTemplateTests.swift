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
        for resource in ["AlarmTopic", "EventsDeadAlarm", "ApiFunctionErrorsAlarm", "OldestPendingEventAgeAlarm"] {
            #expect(Self.resources(in: text)[resource] != nil, "template.yaml has no \(resource)")
        }
        #expect(text.contains("Conditions:"))

        for overrides in [[:], ["AlarmEmail": "oncall@example.com", "ApiDurationP99LimitMs": "500"]] {
            let template = try ServerlessTemplate.load(fromFile: Self.servicePath, parameterOverrides: overrides)
            #expect(
                template.functions.count == text.components(separatedBy: "Type: AWS::Serverless::Function").count - 1)
            #expect(
                try RouteTable(template: template).routes.count == text.components(separatedBy: "Type: HttpApi").count
                    - 1)
        }
    }

    @Test("every function is in one errors alarm and one throttles alarm, every API function in the p99 alarm")
    func alarmsCoverEveryFunction() throws {
        let text = try String(contentsOfFile: Self.servicePath, encoding: .utf8)
        let resources = Self.resources(in: text)
        let template = try ServerlessTemplate.load(fromFile: Self.servicePath)
        for function in template.functions {
            let reference = "Value: !Ref \(function.logicalID)\n"
            for metric in ["Errors", "Throttles"] {
                let covering = resources.filter {
                    $0.value.contains("MetricName: \(metric)\n") && $0.value.contains(reference)
                }
                #expect(covering.count == 1, "\(function.logicalID) is in \(covering.keys.sorted()) for \(metric)")
            }
            if !function.routes.isEmpty {
                let p99 = try #require(resources["ApiDurationP99Alarm"])
                #expect(
                    p99.contains("Value: \(function.executableName)\n"), "\(function.executableName) has no p99 alarm")
            }
        }
        // CloudWatch refuses an alarm whose metric math reads more than 10 metrics.
        for (name, body) in resources where body.contains("Type: AWS::CloudWatch::Alarm") {
            #expect(body.components(separatedBy: "MetricStat:").count - 1 <= 10, "\(name) reads more than 10 metrics")
        }
    }

    /// Each resource's text under `Resources:`, by logical id.
    static func resources(in text: String) -> [String: String] {
        var resources: [String: String] = [:]
        var current: String?
        var inResources = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" "), !line.isEmpty, !line.hasPrefix("#") {
                inResources = line == "Resources:"
                current = nil
                continue
            }
            guard inResources else { continue }
            if line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  #"), line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
                resources[current!] = ""
            } else if let current {
                resources[current, default: ""] += line + "\n"
            }
        }
        return resources
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
