import FoundationEssentials
public import OrderDomain
public import OrderStore
import Timestamps

/// The query string of `GET /orders`, read and checked: filters, page size and where to resume.
public struct OrderListQuery: Equatable, Sendable {
    /// Orders per page unless `limit` says otherwise.
    public static let defaultLimit = 50
    /// The largest page a client may ask for.
    public static let maximumLimit = 500

    /// The conditions the orders must meet.
    public var filter: OrderFilter
    /// The most orders on the page.
    public var limit: Int
    /// Where this page starts, from the `cursor` of the previous page.
    public var after: OrderListPosition?

    /// A query as a test or a caller builds it; ``init(parameters:)`` reads one from a request.
    public init(filter: OrderFilter = OrderFilter(), limit: Int = defaultLimit, after: OrderListPosition? = nil) {
        self.filter = filter
        self.limit = limit
        self.after = after
    }

    /// Reads `status`, `shipping_city`, `shipping_country`, `customer_id`, `created_from`, `created_to`, `limit` and
    /// `cursor`. Other parameters are ignored.
    ///
    /// - Throws: ``OrderError`` `validation_failed` naming every bad parameter (`query.limit`, …).
    public init(parameters: [String: String]) throws(OrderError) {
        var issues: [FieldIssue] = []
        var filter = OrderFilter()

        if let text = parameters["status"] {
            filter.status = OrderStatus(rawValue: text)
            if filter.status == nil {
                issues.append(
                    FieldIssue(
                        field: "query.status",
                        message: "must be one of \(OrderStatus.allNames), not '\(TextRules.excerpt(text))'"))
            }
        }
        for (name, keyPath) in [("shipping_city", \OrderFilter.shippingCity), ("shipping_country", \.shippingCountry)] {
            guard let text = parameters[name] else { continue }
            if text.allSatisfy(\.isWhitespace) {
                issues.append(
                    FieldIssue(
                        field: "query.\(name)",
                        message: "must not be empty; leave it out to list every \(name.dropFirst(9))"))
            } else if OrderLimits.length(of: text) > OrderLimits.addressFieldLength {
                issues.append(
                    FieldIssue(
                        field: "query.\(name)", message: "must be at most \(OrderLimits.addressFieldLength) characters")
                )
            } else if let problem = TextRules.problem(inFreeText: text) {
                issues.append(FieldIssue(field: "query.\(name)", message: problem))
            } else {
                filter[keyPath: keyPath] = text
            }
        }
        if let text = parameters["customer_id"] {
            if let problem = Customer.problem(withID: text) {
                issues.append(FieldIssue(field: "query.customer_id", message: problem))
            } else {
                filter.customerID = text
            }
        }
        for (name, keyPath) in [("created_from", \OrderFilter.createdFrom), ("created_to", \.createdBefore)] {
            guard let text = parameters[name] else { continue }
            // A `+` offset sent unencoded in a query string arrives as a space.
            guard let time = Timestamp(rfc3339: text) ?? Timestamp(rfc3339: text.replacing(" ", with: "+"))
            else {
                issues.append(
                    FieldIssue(
                        field: "query.\(name)",
                        message:
                            "must be an RFC 3339 date-time such as 2026-11-25T09:30:00Z, not '\(TextRules.excerpt(text))'"
                    ))
                continue
            }
            filter[keyPath: keyPath] = time
        }
        if let from = filter.createdFrom, let to = filter.createdBefore, !(from < to) {
            issues.append(FieldIssue(field: "query.created_to", message: "must be later than created_from"))
        }

        let limit = Self.limit(from: parameters, issues: &issues)
        let after = Self.cursor(from: parameters, issues: &issues) { millis, key in
            OrderID(key).map { OrderListPosition(createdAt: Timestamp(millisecondsSinceEpoch: millis), id: $0) }
        }

        guard issues.isEmpty else { throw .invalidFields(issues) }
        self.init(filter: filter, limit: limit, after: after)
    }

    /// The opaque cursor for resuming after `position`: base64url of `v1:<created ms>:<id>`.
    public static func cursor(after position: OrderListPosition) -> String {
        cursor(millisecondsSinceEpoch: position.createdAt.millisecondsSinceEpoch, key: position.id.rawValue)
    }

    /// The position a cursor names, or `nil` if it is not one.
    public static func position(fromCursor cursor: String) -> OrderListPosition? {
        guard let (millis, key) = cursorParts(cursor), let id = OrderID(key) else { return nil }
        return OrderListPosition(createdAt: Timestamp(millisecondsSinceEpoch: millis), id: id)
    }
}

/// What every listing's query shares: its page size and its cursor, in one style.
extension OrderListQuery {
    /// `limit`, 1 to ``maximumLimit``, or ``defaultLimit`` when absent; a bad one adds an issue for `query.limit`.
    static func limit(from parameters: [String: String], issues: inout [FieldIssue]) -> Int {
        guard let text = parameters["limit"] else { return defaultLimit }
        if let value = Int(text), (1...maximumLimit).contains(value) { return value }
        issues.append(
            FieldIssue(
                field: "query.limit",
                message: "must be a whole number from 1 to \(maximumLimit), not '\(TextRules.excerpt(text))'"))
        return defaultLimit
    }

    /// The position `cursor` names, read by `position` from its time and key, or `nil` when absent; a cursor this
    /// service did not give adds an issue for `query.cursor`.
    static func cursor<Position>(
        from parameters: [String: String], issues: inout [FieldIssue],
        position: (_ millisecondsSinceEpoch: Int64, _ key: String) -> Position?
    ) -> Position? {
        guard let text = parameters["cursor"] else { return nil }
        if let (millis, key) = cursorParts(text), let found = position(millis, key) { return found }
        issues.append(
            FieldIssue(
                field: "query.cursor",
                message:
                    "is not a cursor this service gave; send next_cursor as it came, or leave cursor out to start again"
            ))
        return nil
    }

    /// An opaque cursor: base64url of `v1:<milliseconds>:<key>`, the key being an order's or an event's id.
    static func cursor(millisecondsSinceEpoch millis: Int64, key: String) -> String {
        Data("v1:\(millis):\(key)".utf8).base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_")
            .replacing("=", with: "")
    }

    /// The time and key of a cursor ``cursor(millisecondsSinceEpoch:key:)`` wrote, or `nil` if it is not one.
    static func cursorParts(_ cursor: String) -> (Int64, String)? {
        guard cursor.utf8.count <= 200 else { return nil }
        var base64 = cursor.replacing("-", with: "+").replacing("_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "v1", let millis = Int64(parts[1]) else { return nil }
        return (millis, parts[2])
    }
}
