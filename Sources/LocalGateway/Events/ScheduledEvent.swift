public import Foundation

/// The event EventBridge sends a function on a schedule (`detail-type: "Scheduled Event"`).
public struct ScheduledEvent: Encodable, Sendable {
    public var version = "0"
    public var id: String
    public var detailType = "Scheduled Event"
    public var source = "aws.events"
    public var account: String
    public var time: String
    public var region: String
    /// The rule's ARN.
    public var resources: [String]
    public var detail: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case version, id, detailType = "detail-type", source, account, time, region, resources, detail
    }

    /// The event for `schedule` of `function` firing at `time`.
    public init(
        function: FunctionDefinition, schedule: ScheduleDefinition, time: Date,
        id: String = UUID().uuidString.lowercased(),
        account: String = "123456789012", region: String = "us-east-1"
    ) {
        self.id = id
        self.account = account
        self.region = region
        self.time = GatewayClock.eventTime(time)
        resources = ["arn:aws:events:\(region):\(account):rule/\(function.logicalID)\(schedule.eventName)"]
    }

    /// The JSON a function receives: the template's `Input` when it gives one, else this event.
    public func json(for schedule: ScheduleDefinition) -> [UInt8] {
        if let input = schedule.input { return Array(input.utf8) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Strings and a map of strings: encoding cannot fail.
        return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
    }
}
