public import FunctionRuntime
public import OrderAPI
public import OrderDomain
import OrderHTTP
public import OrderStore
import SystemSupport
public import Timestamps

/// `POST /events/redeliver` with `{"state": "dead", "from", "to"}`: every dead event of every order that occurred
/// in the window becomes pending again, as ``RedeliverEvent`` makes one.
///
/// Found through the dead letters, never by reading every order. At most 500 events per request,
/// newest first, so that a request ends well within the gateway's limit; the answer says when there are more, and
/// sending the same request again goes on with them (those done are no longer dead). The events are delivered by
/// `dispatch-events` on its next run. Answers 202 with `{"redelivered", "more"}`, and `skipped_events` for the
/// letters that could not be read (up to as many again, which do not count towards the limit).
public struct RedeliverEvents: OrderFunction {
    let store: any OrderDocumentStore & EventOutbox & EventListing
    let now: @Sendable () -> Timestamp
    let maximumPerRequest: Int

    /// The most events one request redelivers unless told otherwise: the largest page of `GET /events`.
    public static let defaultMaximumPerRequest = OrderListQuery.maximumLimit

    /// Redelivers events of orders in `context.store`, at most `maximumPerRequest` a request.
    public init(
        context: OrderServiceContext<some OrderDocumentStore & EventOutbox & EventListing>,
        maximumPerRequest: Int = defaultMaximumPerRequest
    ) {
        store = context.store
        now = context.now
        self.maximumPerRequest = max(1, maximumPerRequest)
    }

    /// - Throws: `malformed_json`, `validation_failed` for a bad body; ``StoreError`` when the store fails (what was
    ///   redelivered before stays redelivered).
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let selection = try Selection(json: try request.jsonBody())
        let time = now()
        var redelivered = 0
        var skipped: [SkippedEvent] = []
        var position: EventListPosition?
        // Page after page, so that letters that cannot be read take no redelivery's place; as many of them again
        // at most, so that a request ends even when most letters are damaged.
        repeat {
            let page = try store.events(
                .dead, in: selection.window, after: position, limit: maximumPerRequest - redelivered)
            for event in page.events {
                // Counted only if still dead under its order's lock: another request may have redelivered it.
                let outcome = try RedeliverEvent.redeliver(event.id, of: event.orderID, in: store, at: time)
                if outcome?.previousState == .dead { redelivered += 1 }
            }
            skipped += page.skipped
            position = page.next
        } while position != nil && redelivered < maximumPerRequest && skipped.count < maximumPerRequest
        let body = Answer(
            redelivered: redelivered, more: position != nil, skipped: SkippedEventAnswer.answers(logging: skipped))
        return FunctionResponse(
            statusCode: 202, headers: ["Content-Type": "application/json"], body: JSONBody.encode(body))
    }

    /// Which events a request asks for, read and checked.
    public struct Selection: Equatable, Sendable {
        /// When they occurred.
        public var window: EventWindow

        /// Reads `{"state": "dead", "from": "<RFC 3339>", "to": "<RFC 3339>"}`; `from` and `to` may be left out.
        ///
        /// - Throws: ``OrderError`` `validation_failed` naming every bad field.
        public init(json: OrderDomain.JSONValue) throws(OrderError) {
            guard case .object(let fields) = json else {
                throw .invalidFields([FieldIssue(field: "body", message: "must be a JSON object, not \(json.typeName)")]
                )
            }
            var issues: [FieldIssue] = []
            switch fields["state"] {
            case .string("dead"): break
            case nil:
                issues.append(FieldIssue(field: "state", message: "is required: dead"))
            case .string(let text):
                issues.append(
                    FieldIssue(
                        field: "state",
                        message:
                            "must be dead, not '\(TextRules.excerpt(text))': only dead events are redelivered in bulk; redeliver a delivered one by its id"
                    ))
            case let other?:
                issues.append(FieldIssue(field: "state", message: "must be the string dead, not \(other.typeName)"))
            }
            var window = EventWindow()
            for (name, keyPath) in [("from", \EventWindow.from), ("to", \.before)] {
                guard let value = fields[name], value != .null else { continue }
                if case .string(let text) = value, let time = Timestamp(rfc3339: text) {
                    window[keyPath: keyPath] = time
                    continue
                }
                let refused =
                    if case .string(let text) = value { "'\(TextRules.excerpt(text))'" } else { value.typeName }
                issues.append(
                    FieldIssue(
                        field: name,
                        message: "must be an RFC 3339 date-time such as 2026-11-25T09:30:00Z, not \(refused)"
                    ))
            }
            if let from = window.from, let before = window.before, !(from < before) {
                issues.append(FieldIssue(field: "to", message: "must be later than from"))
            }
            guard issues.isEmpty else { throw .invalidFields(issues) }
            self.window = window
        }
    }

    struct Answer: JSONWritable {
        var redelivered: Int
        /// Whether more dead events match than one request redelivers.
        var more: Bool
        var skipped: [SkippedEventAnswer]

        func writeJSON(into json: inout JSONWriter) {
            json.object { json in
                json.field("more", more)
                json.field("redelivered", redelivered)
                if !skipped.isEmpty { json.field("skipped_events", skipped) }
            }
        }
    }
}
