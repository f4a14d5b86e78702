public import FunctionRuntime
public import OrderDomain
public import OrderHTTP
public import OrderStore
import StructuredLog
public import SystemSupport
import Timestamps

/// `GET /events?state=&limit=&cursor=`: the events of every order in one delivery state, newest first, a page at a
/// time.
///
/// Answers `{"events": [...], "next_cursor": "..." | null, "webhook_configured": ...}`, with
/// `"skipped_events": [{"id", "order_id", "reason"}]` when the page met entries it cannot list. Pages as
/// `GET /orders` does: the same limits, the same style of cursor. Never reads every order (see ``EventListing``).
public struct ListEvents: OrderFunction {
    let listing: any EventListing
    let webhookConfigured: Bool

    /// Lists from `context.store`.
    public init(context: OrderServiceContext<some EventListing>) {
        listing = context.store
        webhookConfigured = context.webhookConfigured
    }

    /// Answers 200 with one page of events.
    ///
    /// - Throws: `validation_failed` for a bad query; ``StoreError`` when the store cannot list its entries (an entry
    ///   that cannot be read is skipped instead).
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let query = try EventListQuery(parameters: request.queryParameters)
        let page = try listing.events(query.state, in: EventWindow(), after: query.after, limit: query.limit)
        let body = EventPageAnswer(
            events: page.events, nextCursor: page.next.map(EventListQuery.cursor(after:)),
            skipped: SkippedEventAnswer.answers(logging: page.skipped), webhookConfigured: webhookConfigured)
        return FunctionResponse(
            statusCode: 200, headers: ["Content-Type": "application/json"], body: JSONBody.encode(body))
    }

    struct EventPageAnswer: JSONWritable {
        var events: [OrderEvent]
        var nextCursor: String?
        var skipped: [SkippedEventAnswer]
        /// Without a webhook, events stay pending until one is configured.
        var webhookConfigured: Bool

        func writeJSON(into json: inout JSONWriter) {
            json.object { json in
                json.field("events", events)
                json.field("next_cursor", nextCursor)  // null on the last page
                if !skipped.isEmpty { json.field("skipped_events", skipped) }
                json.field("webhook_configured", webhookConfigured)
            }
        }
    }
}

/// An entry a page of events could not list, as clients see it in `skipped_events`: the event's id and its order's,
/// each `null` when unknown, and why. The log has the error, never the answer.
public struct SkippedEventAnswer: JSONWritable, Sendable {
    var id: String?
    var orderID: String?
    var reason: String

    /// What clients see of `entry`.
    public init(_ entry: SkippedEvent) {
        id = entry.eventID
        orderID = entry.orderID?.rawValue
        reason = entry.reason.rawValue
    }

    /// What clients see of `entries`, each first logged in full as an `event_skipped` line naming the file and the
    /// error.
    public static func answers(logging entries: [SkippedEvent]) -> [SkippedEventAnswer] {
        entries.map { entry in
            FunctionLog.write(
                "event_skipped", level: "error",
                fields: [
                    "event_id": entry.eventID ?? "", "order_id": entry.orderID?.rawValue ?? "",
                    "reason": entry.reason.rawValue, "error": entry.error,
                ])
            return SkippedEventAnswer(entry)
        }
    }

    /// Writes every key, `null` where the value is unknown.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("id", id)
            json.field("order_id", orderID)
            json.field("reason", reason)
        }
    }
}

/// The query string of `GET /events`, read and checked.
public struct EventListQuery: Equatable, Sendable {
    /// Which events: `dead`, `pending` or `delivered`.
    public var state: EventDelivery.State
    /// The most events on the page.
    public var limit: Int
    /// Where this page starts, from the `cursor` of the previous page.
    public var after: EventListPosition?

    /// Reads `state` (required), `limit` and `cursor`, as ``OrderListQuery`` reads the last two. Other parameters are
    /// ignored.
    ///
    /// - Throws: ``OrderError`` `validation_failed` naming every bad parameter (`query.state`, …).
    public init(parameters: [String: String]) throws(OrderError) {
        var issues: [FieldIssue] = []
        let names = "dead, pending or delivered"
        var state = EventDelivery.State.dead
        if let text = parameters["state"] {
            if let value = EventDelivery.State(rawValue: text) {
                state = value
            } else {
                issues.append(
                    FieldIssue(field: "query.state", message: "must be \(names), not '\(TextRules.excerpt(text))'"))
            }
        } else {
            issues.append(FieldIssue(field: "query.state", message: "is required: \(names)"))
        }
        let limit = OrderListQuery.limit(from: parameters, issues: &issues)
        let after = OrderListQuery.cursor(from: parameters, issues: &issues) { millis, key in
            EventListPosition(occurredAt: Timestamp(millisecondsSinceEpoch: millis), eventID: key)
        }
        guard issues.isEmpty else { throw .invalidFields(issues) }
        self.state = state
        self.limit = limit
        self.after = after
    }

    /// The opaque cursor for resuming after `position`: base64url of `v1:<occurred ms>:<event id>`.
    public static func cursor(after position: EventListPosition) -> String {
        OrderListQuery.cursor(millisecondsSinceEpoch: position.occurredAt.millisecondsSinceEpoch, key: position.eventID)
    }
}
