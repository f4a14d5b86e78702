public import SystemSupport
public import Timestamps

/// Something that happened to an order, to be announced to subscribers, with the state of its delivery.
///
/// Events are recorded in the same write as the change they describe, so a change never exists without its
/// event, nor an event without its change.
public struct OrderEvent: Equatable, Sendable {
    /// What happened, as the event's `type`.
    public enum Kind: String, Sendable {
        /// The order was created.
        case orderAdded = "order_added"
        /// The order moved to another status of the flow.
        case orderStatusUpdated = "order_status_updated"
        /// The order was cancelled; ``OrderEvent/reason`` says why.
        case orderCancelled = "order_cancelled"
    }

    /// Unique, and the same on every delivery attempt: subscribers de-duplicate on it.
    public let id: String
    public let type: Kind
    public let orderID: OrderID
    /// The order's version right after the change.
    public let version: Int
    public let status: OrderStatus
    /// The status before the change; `nil` for ``Kind/orderAdded``.
    public let previousStatus: OrderStatus?
    /// Why the order was cancelled, for ``Kind/orderCancelled``; `nil` for the others.
    public let reason: Cancellation.Reason?
    public let occurredAt: Timestamp
    public var delivery: EventDelivery

    /// The event for a newly created order.
    public static func added(_ order: Order) -> OrderEvent {
        OrderEvent(
            id: "evt_" + ULID.generate(at: order.createdAt), type: .orderAdded, orderID: order.id,
            version: order.version, status: order.status, previousStatus: nil, reason: nil,
            occurredAt: order.createdAt, delivery: .pending(dueAt: order.createdAt))
    }

    /// The event for an order that just moved from `previous` to its current status: `order_cancelled` with its
    /// reason when that status is `cancelled`, `order_status_updated` otherwise.
    public static func statusChanged(_ order: Order, from previous: OrderStatus) -> OrderEvent {
        OrderEvent(
            id: "evt_" + ULID.generate(at: order.updatedAt),
            type: order.status == .cancelled ? .orderCancelled : .orderStatusUpdated, orderID: order.id,
            version: order.version, status: order.status, previousStatus: previous,
            reason: order.status == .cancelled ? order.cancellation?.reason : nil, occurredAt: order.updatedAt,
            delivery: .pending(dueAt: order.updatedAt))
    }
}

/// Where an event stands on its way to the webhook.
public struct EventDelivery: Equatable, Sendable {
    /// Where the delivery stands.
    public enum State: String, Sendable {
        /// Not delivered yet; more attempts will be made.
        case pending
        /// The webhook accepted it (a 2xx answer).
        case delivered
        /// Given up on after the last attempt, or refused for good (410); a copy is in the dead letters.
        case dead
    }

    public var state: State
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due, while pending.
    public var nextAttemptAt: Timestamp?
    public var deliveredAt: Timestamp?
    /// The HTTP status of the last attempt, if it got an answer.
    public var lastStatus: Int?
    /// Why the last attempt failed, if it did.
    public var lastError: String?
    /// The outcomes of earlier rounds of attempts, oldest first, kept when the event is sent again on request.
    /// Empty for an event never redelivered (and for documents stored before redelivery existed).
    public var earlierRounds: [EventDelivery]

    /// A delivery state as given; ``pending(dueAt:)`` is the one a new event starts with.
    public init(
        state: State, attempts: Int, nextAttemptAt: Timestamp?, deliveredAt: Timestamp? = nil, lastStatus: Int? = nil,
        lastError: String? = nil, earlierRounds: [EventDelivery] = []
    ) {
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.earlierRounds = earlierRounds
    }

    /// A fresh round of attempts due at `time`, the current round kept in ``earlierRounds``.
    ///
    /// The retry schedule starts over (``attempts`` is 0 again), so a redelivered event gets every retry.
    public func redelivered(dueAt time: Timestamp) -> EventDelivery {
        var finished = self
        finished.earlierRounds = []
        return EventDelivery(
            state: .pending, attempts: 0, nextAttemptAt: time, earlierRounds: earlierRounds + [finished])
    }

    /// Not tried yet, due at `time`.
    public static func pending(dueAt time: Timestamp) -> EventDelivery {
        EventDelivery(state: .pending, attempts: 0, nextAttemptAt: time)
    }
}

extension OrderEvent: JSONWritable {
    /// Reads a stored event.
    ///
    /// - Throws: ``JSONObject/Mismatch`` naming the first field that is missing, of the wrong type or not a valid
    ///   value.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        let type: Kind = try json.member("type", as: "an event type")
        let reason: Cancellation.Reason? = try json.optionalMember("reason", as: "a cancellation reason")
        try self.init(
            id: json.string("id"), type: type, orderID: json.orderID("order_id"), version: json.int("version"),
            status: json.status("status"), previousStatus: json.optionalStatus("previous_status"), reason: reason,
            occurredAt: json.timestamp("occurred_at"), delivery: EventDelivery(stored: json.object("delivery")))
    }

    /// Writes every field, `null` included where a value is absent, so subscribers see the same keys each time;
    /// `reason` only on `order_cancelled`.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("delivery", delivery)
            json.field("id", id)
            json.field("occurred_at", occurredAt.description)
            json.field("order_id", orderID.rawValue)
            // `"previous_status": null` says "none", a missing key says nothing.
            json.field("previous_status", previousStatus?.rawValue)
            json.fieldIfPresent("reason", reason?.rawValue)
            json.field("status", status.rawValue)
            json.field("type", type.rawValue)
            json.field("version", version)
        }
    }
}

extension EventDelivery: JSONWritable {
    /// Reads a stored delivery state; one stored before redelivery existed has no `earlier_rounds` and reads as
    /// having none.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        let state: State = try json.member("state", as: "a delivery state")
        try self.init(
            state: state, attempts: json.int("attempts"), nextAttemptAt: json.optionalTimestamp("next_attempt_at"),
            deliveredAt: json.optionalTimestamp("delivered_at"), lastStatus: json.optionalInt("last_status"),
            lastError: json.optionalString("last_error"),
            earlierRounds: json.optionalObjects("earlier_rounds", EventDelivery.init(stored:)) ?? [])
    }

    /// Writes every field, `null` included where a value is absent, so subscribers see the same keys each time;
    /// `earlier_rounds` only once there are some.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("attempts", attempts)
            json.field("delivered_at", deliveredAt?.description)
            if !earlierRounds.isEmpty { json.field("earlier_rounds", earlierRounds) }
            json.field("last_error", lastError)
            json.key("last_status")
            if let lastStatus { json.number(lastStatus) } else { json.null() }
            json.field("next_attempt_at", nextAttemptAt?.description)
            json.field("state", state.rawValue)
        }
    }
}
