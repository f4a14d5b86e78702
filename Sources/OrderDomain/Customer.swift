/// Whose order it is: the shop's own customer id and the customer's email address.
public struct Customer: Equatable, Sendable {
    /// The shop's id of the customer, 1 to 64 characters; listings filter on it exactly.
    public var id: String
    /// A valid address of at most 254 characters, when the shop sends one.
    public var email: String?

    /// A customer as given, unchecked: ``OrderDraft/init(json:defaultCurrency:)`` is what validates a request.
    public init(id: String, email: String? = nil) {
        self.id = id
        self.email = email
    }
}

/// Optional information a shop attaches to an order: a customer, its own keys.
extension OrderLimits {
    public static let customerIDLength = 1...64
    public static let emailLength = 254
    public static let metadataKeys = 50
    public static let metadataKeyLength = 1...40
    public static let metadataValueLength = 500
}

extension Customer {
    /// Reads `{"id": …, "email": …}`; `nil` when absent or invalid (its issues say why).
    static func read(_ value: JSONValue?, field: String, into issues: inout FieldIssues) -> Customer? {
        switch value {
        case nil, .null?:
            return nil
        case .object(let fields)?:
            let id = readID(fields["id"], field: "\(field).id", into: &issues)
            var email: String?
            switch fields["email"] {
            case nil, .null?:
                break
            case .string(let text)?:
                if OrderLimits.length(of: text) > OrderLimits.emailLength {
                    issues.add("\(field).email", "must be at most \(OrderLimits.emailLength) characters")
                } else if let problem = TextRules.problem(inFreeText: text) {
                    issues.add("\(field).email", problem)
                } else if !isEmailAddress(text) {
                    issues.add("\(field).email", "must be an email address such as ana@example.com")
                } else {
                    email = text
                }
            case let other?:
                issues.add("\(field).email", "must be a string, not \(other.typeName)")
            }
            return id.map { Customer(id: $0, email: email) }
        case let other?:
            issues.add(field, "must be an object with id and email, not \(other.typeName)")
            return nil
        }
    }

    /// Reads `customer.id`.
    static func readID(_ value: JSONValue?, field: String, into issues: inout FieldIssues) -> String? {
        switch value {
        case .string(let text)?:
            if let problem = problem(withID: text) {
                issues.add(field, problem)
                return nil
            }
            return text
        case nil, .null?:
            issues.add(
                field,
                "is required: the shop's id of the customer, 1 to \(OrderLimits.customerIDLength.upperBound) characters"
            )
        case let other?:
            issues.add(field, "must be a string, not \(other.typeName)")
        }
        return nil
    }

    /// What is wrong with `text` as a customer id (as sent in `customer.id`, or as a listing's `customer_id`), or
    /// `nil` if it is one: 1 to 64 characters, not all blank.
    public static func problem(withID text: String) -> String? {
        guard OrderLimits.customerIDLength.contains(OrderLimits.length(of: text)) else {
            return "must be 1 to \(OrderLimits.customerIDLength.upperBound) characters"
        }
        if text.allSatisfy(\.isWhitespace) { return "must not be blank" }
        return TextRules.problem(inFreeText: text)
    }

    /// `local@domain`: a local part of 1 to 64 visible characters, a domain of dot-separated labels of letters,
    /// digits and hyphens with at least one dot. Deliberately simpler than RFC 5322, as shops' own checks are.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].utf8.count) else { return false }
        let visible = parts[0].unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard visible, labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy {
                    $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-"
                }
        }
    }
}

/// Reads `metadata`: a map of the shop's own keys to strings, stored and returned as given.
enum Metadata {
    static func read(_ value: JSONValue?, field: String, into issues: inout FieldIssues) -> [String: String]? {
        switch value {
        case nil, .null?:
            return nil
        case .object(let fields)?:
            if fields.count > OrderLimits.metadataKeys {
                issues.add(field, "must have at most \(OrderLimits.metadataKeys) keys, not \(fields.count)")
                return nil
            }
            var metadata: [String: String] = [:]
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard OrderLimits.metadataKeyLength.contains(key.utf8.count), key.utf8.allSatisfy(isKeyByte) else {
                    issues.add(
                        "\(field).\(key)",
                        "keys must be 1 to \(OrderLimits.metadataKeyLength.upperBound) characters of A-Z, a-z, 0-9, "
                            + "_, . and -")
                    continue
                }
                guard case .string(let text) = value else {
                    issues.add("\(field).\(key)", "must be a string, not \(value.typeName)")
                    continue
                }
                guard OrderLimits.length(of: text) <= OrderLimits.metadataValueLength else {
                    issues.add("\(field).\(key)", "must be at most \(OrderLimits.metadataValueLength) characters")
                    continue
                }
                guard issues.checkFreeText(text, field: "\(field).\(key)") else { continue }
                metadata[key] = text
            }
            return metadata
        case let other?:
            issues.add(field, "must be an object of string values, not \(other.typeName)")
            return nil
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
