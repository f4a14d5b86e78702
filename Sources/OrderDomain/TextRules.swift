/// Rules for the text a client sends: what a free-text field may hold, and how much of a bad value an answer repeats.
public enum TextRules {
    /// Whether `scalar` is a control character: C0 (U+0000 to U+001F), DEL (U+007F) or C1 (U+0080 to U+009F).
    public static func isControlCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// What is wrong with `text` as a free-text field of an order (a sku, an address line, any string the client
    /// stores), for a `validation_failed` detail; `nil` when nothing is.
    ///
    /// Every such field refuses control characters, tabs and line breaks included: they have no place in a label or
    /// an address, and each one is stored, listed and sent to webhooks as six bytes (`\u0000`). A new text field
    /// checks its value with this (or ``FieldIssues``' `checkFreeText`) unless its documentation says otherwise.
    public static func problem(inFreeText text: String) -> String? {
        guard let index = text.unicodeScalars.firstIndex(where: isControlCharacter) else { return nil }
        let scalar = text.unicodeScalars[index]
        let position = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: index) + 1
        let code = String(scalar.value, radix: 16, uppercase: true)
        return "must not contain control characters (U+0000 to U+001F, U+007F to U+009F); "
            + "found U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) at character \(position)"
    }

    /// How many characters of a client's value an answer repeats.
    public static let excerptLength = 40

    /// `text` as an answer may repeat it: whole if short, otherwise its first ``excerptLength`` characters and how
    /// long it was. So a huge bad value is never echoed back whole (or twice, in `message` and `details`).
    public static func excerpt(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > excerptLength else { return text }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(excerptLength))
        return "\(String(cut))… (\(scalars.count) characters)"
    }
}

extension FieldIssues {
    /// Adds the issue of `text` as a free-text field (see ``TextRules/problem(inFreeText:)``), if it has one.
    /// - Returns: whether `text` is acceptable.
    @discardableResult
    mutating func checkFreeText(_ text: String, field: String) -> Bool {
        guard let problem = TextRules.problem(inFreeText: text) else { return true }
        add(field, problem)
        return false
    }
}
