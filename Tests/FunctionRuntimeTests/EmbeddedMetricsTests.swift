import Foundation
import FunctionRuntime
import OrderHTTP
import StructuredLog
import Synchronization
import SystemSupport
import Testing
import Timestamps

/// Metrics in log lines, in CloudWatch's Embedded Metric Format: the shape Lambda needs to turn a line into metrics.
@Suite("Embedded metrics in log lines")
struct EmbeddedMetricsTests {
    @Test("a line's metrics are grouped by dimension names, with every dimension and value at the top level")
    func shape() throws {
        let line = try Self.line {
            FunctionLog.write(
                "webhook_delivery", fields: ["event_id": "evt_1"],
                metrics: [
                    Metric.count("WebhookDeliveries", dimensions: [Metric.Dimension("Outcome", "dead")]),
                    Metric(
                        "WebhookDeliveryDuration", 12.5, unit: .milliseconds, dimensions: [.init("Outcome", "dead")]),
                    Metric.count("EventsDead"),
                ])
        }
        #expect(EMFCheck.problems(in: line).isEmpty, "\(EMFCheck.problems(in: line))")
        #expect(line["msg"] as? String == "webhook_delivery")
        #expect(line["event_id"] as? String == "evt_1")
        #expect(line["Outcome"] as? String == "dead")
        #expect(line["WebhookDeliveries"] as? Double == 1)
        #expect(line["WebhookDeliveryDuration"] as? Double == 12.5)
        #expect(line["EventsDead"] as? Double == 1)

        let directives = try #require(EMFCheck.directives(in: line))
        #expect(directives.map { $0["Dimensions"] as? [[String]] } == [[["Outcome"]], [[]]])
        #expect(
            directives.map { ($0["Metrics"] as? [[String: String]])?.map { "\($0["Name"]!) \($0["Unit"]!)" } } == [
                ["WebhookDeliveries Count", "WebhookDeliveryDuration Milliseconds"], ["EventsDead Count"],
            ])
    }

    @Test("the timestamp is the line's own time, in milliseconds since the epoch")
    func timestamp() throws {
        let line = try Self.line { FunctionLog.write("m", fields: [:], metrics: [.count("OrdersCreated")]) }
        let aws = try #require(line["_aws"] as? [String: Any])
        let milliseconds = try #require((aws["Timestamp"] as? NSNumber)?.int64Value)
        let text = try #require(line["time"] as? String)
        let time = try #require(Timestamp(rfc3339: text))
        #expect(milliseconds == time.millisecondsSinceEpoch)
    }

    @Test("a line without metrics has no _aws member")
    func none() throws {
        let line = try Self.line { FunctionLog.write("plain", fields: ["a": "b"]) }
        #expect(line["_aws"] == nil)
    }

    @Test("a second value of a name, or another value of a dimension already in the line, is left out")
    func oneValuePerName() throws {
        let line = try Self.line {
            FunctionLog.write(
                "m", fields: [:],
                metrics: [
                    .count("StatusChanges", dimensions: [.init("OrderStatus", "shipped")]),
                    .count("StatusChanges", dimensions: [.init("OrderStatus", "shipped")]),
                    .count("Cancellations", dimensions: [.init("OrderStatus", "cancelled")]),
                ])
        }
        #expect(EMFCheck.problems(in: line).isEmpty, "\(EMFCheck.problems(in: line))")
        #expect(line["OrderStatus"] as? String == "shipped")
        #expect(line["Cancellations"] == nil)
        let metrics = try #require(EMFCheck.directives(in: line)).flatMap { $0["Metrics"] as? [[String: String]] ?? [] }
        #expect(metrics.map { $0["Name"] } == ["StatusChanges"])
    }

    @Test("the invocation line carries the handler's duration under Function, and what the response reported")
    func invocationLine() throws {
        struct Creates: FunctionHandler {
            func handle(_ request: FunctionRequest) -> FunctionResponse {
                var response = FunctionResponse(statusCode: 201, body: "{}")
                response.metrics = [.count("OrdersCreated")]
                return response
            }
        }
        let driver = StandardInputDriver(
            function: "create-order", configuration: RuntimeConfiguration(environment: Environment([:])))
        let line = try Self.line {
            try? driver.answer(event: RuntimeAPILoopTests.event(path: "/order")) {
                Creates()
            } send: { _ in
            }
        }
        #expect(EMFCheck.problems(in: line).isEmpty, "\(EMFCheck.problems(in: line))")
        #expect(line["msg"] as? String == "invocation")
        #expect(line["Function"] as? String == "create-order")
        #expect(line["function"] as? String == "create-order")
        #expect(line["OrdersCreated"] as? Double == 1)
        let duration = try #require(line["HandlerDuration"] as? Double)
        #expect(duration == line["duration_ms"] as? Double)
        let directives = try #require(EMFCheck.directives(in: line))
        #expect(directives.map { $0["Dimensions"] as? [[String]] } == [[["Function"]], [[]]])
    }

    @Test("a 5xx answer counts ServerErrors under its ErrorCode; a 4xx counts none")
    func serverErrors() throws {
        struct Answers: FunctionHandler {
            var status: Int
            var code: String
            func handle(_ request: FunctionRequest) -> FunctionResponse {
                FunctionResponse(statusCode: status, body: "{}", errorCode: code)
            }
        }
        let driver = StandardInputDriver(
            function: "create-order", configuration: RuntimeConfiguration(environment: Environment([:])))
        let full = try Self.line {
            try? driver.answer(event: RuntimeAPILoopTests.event(path: "/order")) {
                Answers(status: 507, code: "storage_full")
            } send: { _ in
            }
        }
        #expect(EMFCheck.problems(in: full).isEmpty, "\(EMFCheck.problems(in: full))")
        #expect(full["ErrorCode"] as? String == "storage_full")
        #expect(full["ServerErrors"] as? Double == 1)
        let refused = try Self.line {
            try? driver.answer(event: RuntimeAPILoopTests.event(path: "/order")) {
                Answers(status: 409, code: "order_exists")
            } send: { _ in
            }
        }
        #expect(refused["ServerErrors"] == nil)
        #expect(refused["ErrorCode"] == nil)
    }

    /// The one line that `body` logs, parsed.
    static func line(_ body: () throws -> Void) throws -> [String: Any] {
        let lines = Mutex<[[UInt8]]>([])
        try FunctionLog.$sink.withValue(LogSink { line in lines.withLock { $0.append(line) } }) { try body() }
        let written = lines.withLock { $0 }
        try #require(written.count == 1)
        #expect(written[0].last == UInt8(ascii: "\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(written[0])) as? [String: Any])
    }
}

/// What the Embedded Metric Format specification requires of a line, checked member by member.
enum EMFCheck {
    static let units: Set<String> = [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ]

    static func directives(in line: [String: Any]) -> [[String: Any]]? {
        (line["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]]
    }

    /// Every way `line` falls short of the specification; empty for a valid line.
    static func problems(in line: [String: Any]) -> [String] {
        guard let aws = line["_aws"] as? [String: Any] else { return ["no _aws object"] }
        var problems: [String] = []
        let time = (aws["Timestamp"] as? NSNumber)?.doubleValue ?? -1
        if time <= 0 || time != time.rounded() {
            problems.append("_aws.Timestamp is not a whole number of milliseconds")
        }
        guard let directives = directives(in: line), !directives.isEmpty else {
            return problems + ["_aws.CloudWatchMetrics is not a non-empty array of objects"]
        }
        for (index, directive) in directives.enumerated() {
            let at = "CloudWatchMetrics[\(index)]"
            if directive["Namespace"] as? String != "OrderService" { problems.append("\(at).Namespace") }
            guard let sets = directive["Dimensions"] as? [[String]], !sets.isEmpty else {
                problems.append("\(at).Dimensions is not an array of arrays of names")
                continue
            }
            for name in sets.joined() {
                if !(line[name] is String) { problems.append("\(at): dimension \(name) has no string value") }
            }
            if sets.contains(where: { $0.count > 30 }) { problems.append("\(at): more than 30 dimensions") }
            guard let metrics = directive["Metrics"] as? [[String: String]], (1...100).contains(metrics.count) else {
                problems.append("\(at).Metrics is not an array of 1 to 100 objects of strings")
                continue
            }
            for metric in metrics {
                guard let name = metric["Name"], !name.isEmpty else {
                    problems.append("\(at): a metric without a Name")
                    continue
                }
                if let unit = metric["Unit"], !units.contains(unit) { problems.append("\(name): unit \(unit)") }
                if !(line[name] is NSNumber) { problems.append("\(name) has no number value") }
            }
        }
        return problems
    }
}
