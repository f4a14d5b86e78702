import FoundationEssentials
public import OrderDomain
import Timestamps

/// The file store's listings of events across orders, and the index of delivered events they read.
///
/// `<root>/delivered-events/<day>/<event id>.<order id>` is an empty file per delivered event, `<day>` being the UTC
/// day the event occurred: a page reads the days it covers, newest first, never a directory of every event. Ids are
/// letters, digits, `_` and `-`, so the `.` between them is unambiguous. Dead events are found through
/// `dead-letters/<event id>.json`, pending ones through the outbox hints.
///
/// Entries are hints, as the order indexes are: each is checked against its order's document. One the document no
/// longer bears out (the event was redelivered, so it is pending again, or dead after being delivered) is removed
/// under the order's delivery lock, which every delivery holds while it writes entries and records outcomes, so an
/// entry being written is never taken away.
extension FileOrderStore: DeliveredEventIndex {
    var deliveredEventDirectory: String { "\(root)/delivered-events" }

    /// The UTC day of `time`, `2026-11-25`: the directory of the delivered events that occurred then.
    static func eventDay(of time: Timestamp) -> String {
        String(time.description.prefix(10))
    }

    /// Creates the entry and syncs it; an entry that exists (the event was delivered before, then redelivered) is
    /// synced too, since its creator may not have.
    public func indexDelivery(of event: OrderEvent) throws {
        let entry = DeliveredEntry(position: EventListPosition(of: event), orderID: event.orderID)
        let directory = "\(deliveredEventDirectory)/\(entry.day)"
        try FileSystem.makeDirectories(directory)
        try FileSystem.createEmptyFile(directory: directory, name: entry.name, syncingIfPresent: true)
    }

    /// Reads every document without its lock (documents are replaced atomically) and writes the entries missing,
    /// syncing each day directory once, after its entries, rather than once per entry.
    public func indexDeliveredEvents() throws -> Int {
        try checkpoint()  // So that every document is in its file.
        var added = 0
        var written = Set<String>()
        let ordersDirectory = "\(root)/orders"
        for bucket in try FileSystem.entries(of: ordersDirectory) where !bucket.hasPrefix(".") {
            let bucketDirectory = "\(ordersDirectory)/\(bucket)"
            guard FileSystem.isDirectory(bucketDirectory) else { continue }
            for name in try FileSystem.entries(of: bucketDirectory)
            where name.hasSuffix(".json") && !name.hasPrefix(".") {
                guard let id = OrderID(String(name.dropLast(5))),
                    let document = try? read(at: location(of: id))
                else { continue }
                for event in document.events where event.delivery.state == .delivered {
                    let entry = DeliveredEntry(position: EventListPosition(of: event), orderID: id)
                    let directory = "\(deliveredEventDirectory)/\(entry.day)"
                    if try !FileSystem.exists("\(directory)/\(entry.name)") {
                        try FileSystem.makeDirectories(directory)
                        try FileSystem.createEmptyFile(directory: directory, name: entry.name, durably: false)
                        written.insert(directory)
                        added += 1
                    }
                }
            }
        }
        for directory in written.sorted() {
            try FileSystem.syncDirectory(directory)
        }
        return added
    }

    /// An entry of the delivered-events index.
    struct DeliveredEntry {
        var position: EventListPosition
        var orderID: OrderID

        var day: String { FileOrderStore.eventDay(of: position.occurredAt) }
        var name: String { "\(position.eventID).\(orderID.rawValue)" }

        /// Reads an entry's file name; only names of this form with an event id of the service's form are entries.
        init?(name: String) {
            guard let dot = name.firstIndex(of: "."),
                let position = EventListPosition(eventID: String(name[..<dot])),
                let orderID = OrderID(String(name[name.index(after: dot)...]))
            else { return nil }
            self.init(position: position, orderID: orderID)
        }

        init(position: EventListPosition, orderID: OrderID) {
            self.position = position
            self.orderID = orderID
        }
    }
}

extension FileOrderStore: EventListing {
    /// Reads the dead letters' directory, the outbox, or the index's day directories from the newest the page wants,
    /// and the document of each candidate; see ``EventListing``.
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
            if let full = list(candidate, of: orderID, in: .dead, entry: letter, into: &walk.page) { return full }
        }
        return walk.page.lastPage
    }

    /// Delivered events, from the index, one day directory at a time from the newest the walk wants.
    private func deliveredEvents(_ walk: EventWalk) throws -> EventPage {
        var walk = walk
        let lastDay = [walk.window.before, walk.after?.occurredAt].compactMap { $0 }.min().map(Self.eventDay(of:))
        let firstDay = walk.window.from.map(Self.eventDay(of:))
        let days = try FileSystem.entries(of: deliveredEventDirectory).filter { day in
            day.utf8.count == 10 && !day.hasPrefix(".") && lastDay.map { day <= $0 } ?? true
                && firstDay.map { day >= $0 } ?? true
        }
        for day in days.sorted(by: >) {
            let directory = "\(deliveredEventDirectory)/\(day)"
            let entries = try FileSystem.entries(of: directory).compactMap(DeliveredEntry.init(name:))
                .filter { walk.wants($0.position) && $0.day == day }
            for entry in entries.sorted(by: { $0.position > $1.position }) {
                let path = "\(directory)/\(entry.name)"
                if let full = list(entry.position, of: entry.orderID, in: .delivered, entry: path, into: &walk.page) {
                    return full
                }
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
    /// it as skipped if the document or the event cannot be found or read; removes `entry` if it is stale.
    private func list(
        _ position: EventListPosition, of orderID: OrderID, in state: EventDelivery.State, entry: String,
        into page: inout EventPageBuilder
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
            removeStaleEntry(entry, of: position.eventID, in: orderID, unless: state)
            return nil
        }
        return page.add(event, at: position)
    }

    /// Removes the entry of an event of `orderID` that is no longer in `state`, checked again under the order's
    /// delivery lock. Left as it is when a delivery of the order holds the lock: it may be writing that very entry.
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
        struct Letter: Decodable {
            struct Event: Decodable { var subject: String }
            var event: Event
        }
        let subject = try JSONDecoder().decode(Letter.self, from: Data(bytes)).event.subject
        guard let id = OrderID(subject) else {
            throw StoreError(.corruptDocument, "the letter's event.subject '\(subject)' is not an order id")
        }
        return id
    }
}
