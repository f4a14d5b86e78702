public import OrderDomain
import SystemSupport
import Timestamps

/// The file store's listings of events across orders.
///
/// Delivered events are entries of the index `delivered` (see ``FileOrderStore/indexEntries(of:)``): a write that marks
/// an event delivered journals `<event id>.<order id>` into `index/delivered/<day>.log` as it does any entry, `<day>`
/// being the UTC day the event occurred, so a page reads the days it covers, newest first, never every event. Dead
/// events are found through `dead-letters/<event id>.json`, pending ones through the outbox hints.
///
/// Entries are hints, as the order indexes are: each is checked against its order's document. One the document no
/// longer bears out (the event was redelivered, so it is pending again) is journaled as removed under the order's
/// lock, as for the order indexes, and its delivery lock.
///
/// An earlier release kept an empty file per delivered event, `delivered-events/<day>/<event id>.<order id>`, written
/// under the delivery lock before the delivery was recorded: listings read them too while they exist (a stale one is
/// removed), and ``reindex()`` moves them into the segments and removes the directory.
extension FileOrderStore {
    /// Where an earlier release kept the delivered events' entries.
    var legacyDeliveredEventDirectory: String { "\(root)/delivered-events" }
}

extension FileOrderStore: EventListing {
    /// Reads the dead letters' directory, the outbox, or the delivered events' segments (and the journals) from the
    /// newest day the page wants, and the document of each candidate; see ``EventListing``.
    public func events(
        _ state: EventDelivery.State, in window: EventWindow, after position: EventListPosition?, limit: Int
    ) throws -> EventPage {
        let walk = EventWalk(window: window, after: position, page: EventPageBuilder(limit: limit))
        switch state {
        case .dead: return try deadEvents(walk)
        case .delivered: return try deliveredEvents(walk)
        case .pending: return try pendingEvents(walk)
        }
    }

    /// Where a listing is: the events it wants, and the page it fills.
    private struct EventWalk {
        var window: EventWindow
        var after: EventListPosition?
        var page: EventPageBuilder

        /// Whether an event at `position` belongs on this page or a later one.
        func wants(_ position: EventListPosition) -> Bool {
            window.contains(position.occurredAt) && after.map { position < $0 } ?? true
        }
    }

    /// Dead events, from the names in `dead-letters/`: the letter of each candidate names its order.
    private func deadEvents(_ walk: EventWalk) throws -> EventPage {
        var walk = walk
        let candidates = try FileSystem.entries(of: deadLetterDirectory).compactMap { name -> EventListPosition? in
            guard name.hasSuffix(".json"), !name.hasPrefix(".") else { return nil }
            return EventListPosition(eventID: String(name.dropLast(5)))
        }
        for candidate in candidates.filter(walk.wants).sorted(by: >) {
            let letter = "\(deadLetterDirectory)/\(candidate.eventID).json"
            let orderID: OrderID
            do {
                guard let found = try orderOfDeadLetter(at: letter) else { continue }  // Removed meanwhile.
                orderID = found
            } catch {
                let skipped = SkippedEvent(
                    position: candidate, orderID: nil, reason: .unreadable, error: "read \(letter): \(error)")
                if let full = walk.page.add(skipped) { return full }
                continue
            }
            let listed = list(candidate, of: orderID, in: .dead, entry: letter, into: &walk.page) {
                removeStaleEntry(letter, of: candidate.eventID, in: orderID, unless: .dead)
            }
            if let full = listed { return full }
        }
        return walk.page.lastPage
    }

    /// Delivered events, from their index, one day at a time from the newest the walk wants.
    private func deliveredEvents(_ walk: EventWalk) throws -> EventPage {
        var walk = walk
        let lastDay = [walk.window.before, walk.after?.occurredAt].compactMap { $0 }.min().map(IndexEntry.day(of:))
        let firstDay = walk.window.from.map(IndexEntry.day(of:))
        let index = try indexDays(of: Self.deliveredKey) { day in
            lastDay.map { day <= $0 } ?? true && firstDay.map { day >= $0 } ?? true
        }
        for day in index.days.sorted(by: >) {
            let (names, legacy) = try index.names(on: day, in: self)
            var entries: [(position: EventListPosition, entry: IndexEntry)] = []
            for name in names.union(legacy) {
                guard let entry = IndexEntry(key: Self.deliveredKey, name: name), entry.day == day,
                    case .event(let position, _) = entry.subject, walk.wants(position)
                else { continue }  // Not an entry, or not of this page.
                entries.append((position, entry))
            }
            for (position, entry) in entries.sorted(by: { $0.position > $1.position }) {
                let isLegacy = legacy.contains(entry.name)
                let segment = segmentPath(SegmentID(key: entry.key, day: day))
                let place = isLegacy ? legacyEntryPath(entry) : "\(segment) entry \(entry.name)"
                let listed = list(position, of: entry.orderID, in: .delivered, entry: place, into: &walk.page) {
                    removeIfStale(entry, legacy: isLegacy)
                }
                if let full = listed { return full }
            }
        }
        return walk.page.lastPage
    }

    /// Pending events, from the documents of every order the outbox names: when their events occurred is known only
    /// from the documents.
    private func pendingEvents(_ walk: EventWalk) throws -> EventPage {
        var walk = walk
        var events: [OrderEvent] = []
        var unreadable: [SkippedEvent] = []
        for id in try ordersWithPendingEvents() {
            do {
                events += try get(id)?.events.filter { $0.delivery.state == .pending } ?? []
            } catch let error as StoreError {
                unreadable.append(SkippedEvent(unreadableOrder: id, error: error.description))
            }
        }
        let positioned = events.map { (EventListPosition(of: $0), $0) }.filter { walk.wants($0.0) }
        for (position, event) in positioned.sorted(by: { $0.0 > $1.0 }) {
            if let full = walk.page.add(event, at: position) { return full }
        }
        // Which events they hold is unknown, so they are named whatever the window, after every event.
        let unlisted = unreadable.filter { entry in walk.after.map { entry.position < $0 } ?? true }
        for entry in unlisted.sorted(by: { $0.position > $1.position }) {
            if let full = walk.page.add(entry) { return full }
        }
        return walk.page.lastPage
    }

    /// Adds the event at `position` of order `orderID` to the page if the order's document has it in `state`; names
    /// it as skipped if the document or the event cannot be found or read (`entry` says where it was found); calls
    /// `removeStale` if the document has it in another state.
    private func list(
        _ position: EventListPosition, of orderID: OrderID, in state: EventDelivery.State, entry: String,
        into page: inout EventPageBuilder, removingStale removeStale: () -> Void
    ) -> EventPage? {
        let document: OrderDocument?
        do {
            document = try get(orderID)
        } catch {
            return page.add(SkippedEvent(position: position, orderID: orderID, reason: .unreadable, error: "\(error)"))
        }
        guard let event = document?.events.first(where: { $0.id == position.eventID }) else {
            let problem =
                document == nil
                ? "\(entry) names order '\(orderID)', which does not exist"
                : "\(entry) names an event that order '\(orderID)' does not have"
            return page.add(SkippedEvent(position: position, orderID: orderID, reason: .missing, error: problem))
        }
        guard event.delivery.state == state else {
            removeStale()
            return nil
        }
        return page.add(event, at: position)
    }

    /// Removes the file at `path`, the entry (a dead letter) of an event of `orderID` that is no longer in `state`,
    /// checked again under the order's delivery lock. Left as it is when a delivery of the order holds the lock: it may
    /// be writing that very letter.
    func removeStaleEntry(_ path: String, of eventID: String, in orderID: OrderID, unless state: EventDelivery.State) {
        _ = try? withDeliveryLock(orderID, waitingAtMost: 0) {
            let current = try get(orderID)?.events.first { $0.id == eventID }
            if let current, current.delivery.state != state { FileSystem.remove(path) }
        }
    }

    /// The order a dead letter belongs to (its CloudEvent's `subject`), or `nil` if the letter is gone.
    ///
    /// - Throws: when the letter cannot be read, or is not a dead letter.
    private func orderOfDeadLetter(at path: String) throws -> OrderID? {
        guard let bytes = try FileSystem.read(path) else { return nil }
        let subject: String
        do {
            subject = try JSONObject(SystemSupport.JSONValue.parse(bytes)).object("event").string("subject")
        } catch {
            throw StoreError(.corruptDocument, "read \(path): \(error)")
        }
        guard let id = OrderID(subject) else {
            throw StoreError(.corruptDocument, "the letter's event.subject '\(subject)' is not an order id")
        }
        return id
    }
}
