import SystemSupport

/// An `If-Match` or `If-None-Match` header (RFC 9110 §13.1): `*`, or a list of entity tags.
public enum EntityTagCondition: Equatable, Sendable {
    /// `*`: any current representation.
    case any
    /// The listed tags, quotes included (`"3"`); weak tags keep their `W/` prefix.
    case tags([String])

    /// Reads a header value, or returns `nil` when the header is absent.
    ///
    /// - Throws: ``APIError`` `invalid_header` when the value is not `*` or a list of quoted entity tags.
    public init?(header name: String, value: String?) throws(APIError) {
        guard let value else { return nil }
        let trimmed = value.trimmingSpacesAndTabs
        if trimmed == "*" {
            self = .any
            return
        }
        var tags: [String] = []
        for part in trimmed.split(separator: ",") {
            let tag = String(part).trimmingSpacesAndTabs
            let opaque = tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag)
            guard opaque.count >= 2, opaque.hasPrefix("\""), opaque.hasSuffix("\""),
                !opaque.dropFirst().dropLast().contains("\"")
            else {
                throw .invalidHeader(
                    name,
                    "must be * or quoted entity tags such as \"3\", not \(Excerpt.of(value, maximumLength: Excerpt.headerValueLength))"
                )
            }
            tags.append(tag)
        }
        guard !tags.isEmpty else { throw .invalidHeader(name, "is empty; send * or an entity tag such as \"3\"") }
        self = .tags(tags)
    }

    /// Strong comparison, as `If-Match` requires: weak tags never match.
    public func matchesStrongly(_ current: String) -> Bool {
        switch self {
        case .any: true
        case .tags(let tags): tags.contains(current)
        }
    }

    /// Weak comparison, as `If-None-Match` uses: `W/"3"` matches `"3"`.
    public func matchesWeakly(_ current: String) -> Bool {
        switch self {
        case .any: true
        case .tags(let tags): tags.contains { ($0.hasPrefix("W/") ? String($0.dropFirst(2)) : $0) == current }
        }
    }
}
