/// An EventBridge schedule expression, as far as the gateway runs it locally.
public enum ScheduleExpression: Sendable, Equatable {
    /// `rate(5 minutes)`: every interval, the first one interval after start-up.
    case rate(Duration)
    /// `cron(…)`, `at(…)` and anything else: not run locally.
    case unsupported(String)

    /// Reads an expression.
    ///
    /// - Throws: ``GatewayError`` `template_invalid` for a `rate(…)` that is not a positive whole number of
    ///   minutes, hours or days.
    public init(_ text: String) throws(GatewayError) {
        let trimmed = text.trimmingCharacters(in: " ")
        guard trimmed.hasPrefix("rate("), trimmed.hasSuffix(")") else {
            self = .unsupported(trimmed)
            return
        }
        let parts = trimmed.dropFirst(5).dropLast().split(separator: " ")
        guard parts.count == 2, let value = Int(parts[0]), value > 0 else {
            throw .templateInvalid("\(text) must be rate(<positive number> <minutes|hours|days>)")
        }
        let seconds: Int
        switch parts[1] {
        case "minute", "minutes": seconds = 60
        case "hour", "hours": seconds = 3600
        case "day", "days": seconds = 86400
        default: throw .templateInvalid("\(text): the unit must be minutes, hours or days")
        }
        self = .rate(.seconds(value * seconds))
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
