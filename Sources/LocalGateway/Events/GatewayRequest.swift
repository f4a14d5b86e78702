/// An HTTP request as the gateway received it, before it becomes an event.
public struct GatewayRequest: Sendable {
    /// `GET`, `POST`, …
    public var method: String
    /// The path as sent, percent-encoded, without the query string.
    public var path: String
    /// The query string as sent, without `?`; empty when there is none.
    public var rawQuery: String
    /// Header fields in the order received, names as sent.
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// The body was over ``RequestLimits/maximumBodySize`` and was not read: the answer is 413.
    public var bodyTooLarge: Bool
    /// The client's address.
    public var sourceIP: String
    /// `HTTP/1.1`, …
    public var httpProtocol: String

    /// A request as the server reads it or a test builds it; `bodyTooLarge` marks one whose body passed the limit
    /// and was not read (the answer is 413).
    public init(
        method: String, path: String, rawQuery: String = "", headers: [HeaderField] = [], body: [UInt8] = [],
        bodyTooLarge: Bool = false, sourceIP: String = "127.0.0.1", httpProtocol: String = "HTTP/1.1"
    ) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.sourceIP = sourceIP
        self.httpProtocol = httpProtocol
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringCase(name) }?.value
    }

    /// Splits a request target (`/order/2?x=1`) into path and query.
    public static func splitTarget(_ target: String) -> (path: String, rawQuery: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}

/// One HTTP header field.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    /// A field named `name` (kept as sent; compare names without case) with `value`.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension String {
    /// Whether `self` and `other` are equal once lower-cased, as header names are compared. ASCII text (every HTTP
    /// header name) is compared byte by byte, without the lower-cased copies `lowercased()` makes; a request's
    /// headers are looked up several times each.
    func equalsIgnoringCase(_ other: String) -> Bool {
        var (mine, theirs) = (self, other)
        // In the strings' own storage: stepping through their UTF-8 views index by index cost several times more.
        let asciiAnswer: Bool? = mine.withUTF8 { myBytes in
            theirs.withUTF8 { theirBytes in
                guard myBytes.allSatisfy({ $0 < 0x80 }), theirBytes.allSatisfy({ $0 < 0x80 }) else { return nil }
                guard myBytes.count == theirBytes.count else { return false }
                for (one, another) in zip(myBytes, theirBytes) where one != another {
                    let folded = one | 0x20
                    guard folded == another | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else {
                        return false
                    }
                }
                return true
            }
        }
        return asciiAnswer ?? (lowercased() == other.lowercased())
    }
}
