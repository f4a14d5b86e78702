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
}
