public import Timestamps

/// Something that happened to an order, to be announced to subscribers, with the state of its delivery.
///
/// Events are recorded in the same write as the change they describe, so a change never exists without its
/// event, nor an event without its change.
public struct OrderEvent: Codable, Equatable, Sendable {
    /// What happened, as the event's `type`.
    public enum Kind: String, Codable, Sendable {
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

    enum CodingKeys: String, CodingKey {
        case id, type
        case orderID = "order_id"
        case version, status
        case previousStatus = "previous_status"
        case reason
        case occurredAt = "occurred_at"
        case delivery
    }

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

    /// Writes every field, `null` included where a value is absent, so subscribers see the same keys each time.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(orderID, forKey: .orderID)
        try container.encode(version, forKey: .version)
        try container.encode(status, forKey: .status)
        // Written even when nil: `"previous_status": null` says "none", a missing key says nothing.
        try container.encode(previousStatus, forKey: .previousStatus)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(delivery, forKey: .delivery)
    }
}

/// Where an event stands on its way to the webhook.
public struct EventDelivery: Codable, Equatable, Sendable {
    /// Where the delivery stands.
    public enum State: String, Codable, Sendable {
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

    enum CodingKeys: String, CodingKey {
        case state, attempts
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
        case lastStatus = "last_status"
        case lastError = "last_error"
        case earlierRounds = "earlier_rounds"
    }

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

    /// Reads a stored delivery state; one stored before redelivery existed has no `earlier_rounds` and reads as
    /// having none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        state = try container.decode(State.self, forKey: .state)
        attempts = try container.decode(Int.self, forKey: .attempts)
        nextAttemptAt = try container.decodeIfPresent(Timestamp.self, forKey: .nextAttemptAt)
        deliveredAt = try container.decodeIfPresent(Timestamp.self, forKey: .deliveredAt)
        lastStatus = try container.decodeIfPresent(Int.self, forKey: .lastStatus)
        lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
        earlierRounds = try container.decodeIfPresent([EventDelivery].self, forKey: .earlierRounds) ?? []
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

    /// Writes every field, `null` included where a value is absent, so subscribers see the same keys each time.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
        try container.encode(lastStatus, forKey: .lastStatus)
        try container.encode(lastError, forKey: .lastError)
        if !earlierRounds.isEmpty { try container.encode(earlierRounds, forKey: .earlierRounds) }
    }
}
