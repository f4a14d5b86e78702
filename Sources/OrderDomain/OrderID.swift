public import Timestamps

/// The identifier of an order: 1 to 64 characters of `A-Z a-z 0-9 _ -`, starting with a letter or digit.
///
/// Only a valid id can be constructed, so an `OrderID` is always safe to use as a file name:
/// it can never contain `/`, `.`, a NUL byte or anything else that could escape a directory.
public struct OrderID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// The longest id accepted.
    public static let maximumLength = 64

    /// Accepts `text` only if it is a valid id.
    public init?(_ text: String) {
        guard Self.isValid(text) else { return nil }
        rawValue = text
    }

    /// The id itself.
    public var description: String { rawValue }

    /// By the bytes of the ids: generated ids sort by creation time.
    public static func < (lhs: OrderID, rhs: OrderID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What a valid id looks like, for error messages.
    public static let rule = "1 to 64 characters of letters, digits, '_' and '-', starting with a letter or digit"

    private static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, bytes.count <= maximumLength, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

extension OrderID {
    /// A new unique id that sorts by creation time: a ULID (see ``ULID``).
    public static func generate(at time: Timestamp, using generator: inout some RandomNumberGenerator) -> OrderID {
        OrderID(ULID.generate(at: time, using: &generator))!
    }

    /// A new unique, time-sortable id using the system's random number generator.
    public static func generate(at time: Timestamp) -> OrderID {
        var generator = SystemRandomNumberGenerator()
        return generate(at: time, using: &generator)
    }
}

extension OrderID: Codable {
    /// Reads the id from a JSON string.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a valid id.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = OrderID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid order id \(text)")
        }
        self = id
    }

    /// Writes the id as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
