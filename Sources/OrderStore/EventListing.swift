public import OrderDomain
public import Timestamps

/// Events across orders by the state of their delivery, newest first, a page at a time.
public protocol EventListing: Sendable {
    /// One page of the events now in `state` that occurred within `window`, newest first (by when they occurred, then
    /// by id), starting strictly after `position` in that order (from the newest when `nil`), at most `limit` events
    /// and skipped entries together (at least 1).
    ///
    /// Each event is read from its order's document, so it shows its delivery as it is now. The file store never reads
    /// every order: dead events are found through the dead letters, pending ones through the outbox hints (every order
    /// they name is read, whatever the page), delivered ones through their index beside the orders', a day at a time. An
    /// entry that its document no longer bears out (an event redelivered since) is passed over, and removed.
    /// - Throws: ``StoreError`` if the store fails to list its entries; an entry that cannot be read is skipped.
    func events(
        _ state: EventDelivery.State, in window: EventWindow, after position: EventListPosition?, limit: Int
    ) throws -> EventPage
}

/// When the events of a listing occurred: at or after ``from``, strictly before ``before``; either may be open.
public struct EventWindow: Equatable, Sendable {
    /// The earliest time in the window; `nil` for no limit.
    public var from: Timestamp?
    /// The first time after the window; `nil` for no limit.
    public var before: Timestamp?

    /// The events that occurred at or after `from` and strictly before `before`; `nil` leaves that side open.
    public init(from: Timestamp? = nil, before: Timestamp? = nil) {
        self.from = from
        self.before = before
    }

    /// Whether an event that occurred at `time` is in the window.
    public func contains(_ time: Timestamp) -> Bool {
        if let from, time < from { return false }
        if let before, !(time < before) { return false }
        return true
    }
}

/// A place in an event listing: by when the event occurred, then by its id. Neither ever changes, so a walk resumed
/// from a position neither skips nor repeats an event.
public struct EventListPosition: Hashable, Comparable, Sendable {
    /// When the event occurred.
    public var occurredAt: Timestamp
    /// The event's id, which orders events of the same millisecond.
    public var eventID: String

    /// The position of the event `eventID` that occurred at `occurredAt`.
    public init(occurredAt: Timestamp, eventID: String) {
        self.occurredAt = occurredAt
        self.eventID = eventID
    }

    /// The position of an event known by its id alone: the service's ids are `evt_` and a ULID made when the event
    /// occurred, so the id says when. `nil` for an id of another form.
    public init?(eventID: String) {
        guard eventID.hasPrefix("evt_"), let time = ULID.time(of: eventID.dropFirst(4)) else { return nil }
        self.init(occurredAt: time, eventID: eventID)
    }

    /// The position of `event`.
    public init(of event: OrderEvent) {
        self.init(occurredAt: event.occurredAt, eventID: event.id)
    }

    /// Oldest first; listings walk it backwards.
    public static func < (lhs: EventListPosition, rhs: EventListPosition) -> Bool {
        (lhs.occurredAt, lhs.eventID) < (rhs.occurredAt, rhs.eventID)
    }
}

/// One page of an event listing.
public struct EventPage: Equatable, Sendable {
    /// The events, newest first, as their orders' documents hold them now.
    public var events: [OrderEvent]
    /// Where the next page starts (pass it as `after`), or `nil` on the last page.
    public var next: EventListPosition?
    /// The entries the page met and could not list, newest first. They count towards the limit, and ``next`` goes
    /// past them.
    public var skipped: [SkippedEvent]

    /// A page of `events`, followed by the page after `next` (`nil` on the last page).
    public init(events: [OrderEvent], next: EventListPosition?, skipped: [SkippedEvent] = []) {
        self.events = events
        self.next = next
        self.skipped = skipped
    }
}

/// An entry of an event listing that could not be listed, so that the listing can say so and go on past it.
public struct SkippedEvent: Equatable, Sendable {
    /// Why it is not on the page.
    public enum Reason: String, Equatable, Sendable {
        /// Its entry (a dead letter) or its order's document cannot be read.
        case unreadable
        /// Its order, or the event in its order, is not there.
        case missing
    }

    /// Where it is in the listing. For an order whose document cannot be read, the events are unknown: its entry
    /// takes the oldest position there is, so it comes at the end of the listing.
    public var position: EventListPosition
    /// The event's id, when known.
    public var eventID: String?
    /// The event's order, when known.
    public var orderID: OrderID?
    /// Why it is not listed.
    public var reason: Reason
    /// What went wrong, naming the file: for the log, never for clients.
    public var error: String

    /// The entry of the event at `position`, of the order `orderID` if known, not listed for `reason`; `error` is
    /// for the log.
    public init(position: EventListPosition, orderID: OrderID?, reason: Reason, error: String) {
        self.position = position
        eventID = position.eventID
        self.orderID = orderID
        self.reason = reason
        self.error = error
    }

    /// The entry of an order whose document cannot be read, so that which events it has is unknown: at the oldest
    /// position, ordered among such entries by the order's id.
    public init(unreadableOrder orderID: OrderID, error: String) {
        position = EventListPosition(occurredAt: Timestamp(millisecondsSinceEpoch: 0), eventID: orderID.rawValue)
        eventID = nil
        self.orderID = orderID
        reason = .unreadable
        self.error = error
    }
}

/// A page as a listing fills it, newest first: events and skipped entries until one more than the limit shows that
/// there is a next page.
struct EventPageBuilder {
    let limit: Int
    private var events: [OrderEvent] = []
    private var skipped: [SkippedEvent] = []
    private var last: EventListPosition?
    private var count = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Adds an event; returns the page once it is full.
    mutating func add(_ event: OrderEvent, at position: EventListPosition) -> EventPage? {
        if let full = fullPage { return full }
        events.append(event)
        last = position
        count += 1
        return nil
    }

    /// Adds an entry that could not be listed; returns the page once it is full.
    mutating func add(_ entry: SkippedEvent) -> EventPage? {
        if let full = fullPage { return full }
        skipped.append(entry)
        last = entry.position
        count += 1
        return nil
    }

    private var fullPage: EventPage? {
        count >= limit ? EventPage(events: events, next: last, skipped: skipped) : nil
    }

    /// The page when the listing ran out of entries: the last one.
    var lastPage: EventPage {
        EventPage(events: events, next: nil, skipped: skipped)
    }
}

extension Array where Element == OrderEvent {
    /// The page of events in `state` within `window` among these, newest first, after `position`.
    func eventPage(
        _ state: EventDelivery.State, in window: EventWindow, after position: EventListPosition?, limit: Int
    ) -> EventPage {
        var page = EventPageBuilder(limit: limit)
        let matching = filter { $0.delivery.state == state && window.contains($0.occurredAt) }
            .map { (EventListPosition(of: $0), $0) }
            .filter { entry in position.map { entry.0 < $0 } ?? true }
            .sorted { $0.0 > $1.0 }
        for (position, event) in matching {
            if let full = page.add(event, at: position) { return full }
        }
        return page.lastPage
    }
}
