/// How a shipped order travels: the carrier and its tracking number and page. Every field is optional.
public struct Shipment: Equatable, Sendable {
    public var carrier: String?
    public var trackingNumber: String?
    /// An absolute `https` or `http` URL.
    public var trackingURL: String?

    /// A shipment as given, unchecked: the status update that carries it validates it.
    public init(carrier: String? = nil, trackingNumber: String? = nil, trackingURL: String? = nil) {
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.trackingURL = trackingURL
    }

    /// This shipment with the fields `update` sets replaced; those it leaves out are kept.
    public func updated(by update: Shipment) -> Shipment {
        Shipment(
            carrier: update.carrier ?? carrier, trackingNumber: update.trackingNumber ?? trackingNumber,
            trackingURL: update.trackingURL ?? trackingURL)
    }
}

extension OrderLimits {
    public static let carrierLength = 100
    public static let trackingNumberLength = 100
    public static let trackingURLLength = 2048
}

extension Shipment {
    /// Reads `{"carrier", "tracking_number", "tracking_url"}`; `nil` when absent or invalid (its issues say why).
    static func read(_ value: JSONValue?, field: String, into issues: inout FieldIssues) -> Shipment? {
        switch value {
        case nil, .null?:
            return nil
        case .object(let fields)?:
            let before = issues.all.count
            var shipment = Shipment()
            let limits: [(String, Int, WritableKeyPath<Shipment, String?>)] = [
                ("carrier", OrderLimits.carrierLength, \.carrier),
                ("tracking_number", OrderLimits.trackingNumberLength, \.trackingNumber),
                ("tracking_url", OrderLimits.trackingURLLength, \.trackingURL),
            ]
            for (name, limit, keyPath) in limits {
                switch fields[name] {
                case nil, .null?:
                    continue
                case .string(let text)?:
                    if !(1...limit).contains(OrderLimits.length(of: text)) {
                        issues.add("\(field).\(name)", "must be 1 to \(limit) characters")
                    } else if !issues.checkFreeText(text, field: "\(field).\(name)") {
                        continue
                    } else if name == "tracking_url", !isWebURL(text) {
                        issues.add(
                            "\(field).\(name)",
                            "must be an absolute https or http URL, such as https://track.example/1Z99")
                    } else {
                        shipment[keyPath: keyPath] = text
                    }
                case let other?:
                    issues.add("\(field).\(name)", "must be a string, not \(other.typeName)")
                }
            }
            return issues.all.count == before ? shipment : nil
        case let other?:
            issues.add(field, "must be an object with carrier, tracking_number and tracking_url, not \(other.typeName)")
            return nil
        }
    }

    /// `https://…` or `http://…` (the scheme in any case) followed by a host: no space or control character
    /// anywhere, and the character after `//` not one that would leave the host empty (`/ ? # @ :`). openapi.yaml
    /// states the same rule as a pattern.
    static func isWebURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let lowered = bytes.prefix(8).map { (65...90).contains($0) ? $0 + 32 : $0 }
        let schemeLength =
            lowered.starts(with: "https://".utf8) ? 8 : lowered.starts(with: "http://".utf8) ? 7 : 0
        guard schemeLength > 0, bytes.count > schemeLength, !"/?#@:".utf8.contains(bytes[schemeLength]) else {
            return false
        }
        return text.unicodeScalars.allSatisfy { $0.value != 0x20 && !TextRules.isControlCharacter($0) }
    }
}
