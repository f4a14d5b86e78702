import Foundation
import Testing

/// Reads through the real executables, and the consistency every order must have whatever happened to its writers.
extension EventDeliveryTests.Setup {
    /// `GET /order/{id}`.
    func order(_ id: String) async throws -> Events.Response {
        try Events.response(await run("get-order", Events.getOrder(id: id)))
    }

    /// Every order `GET /orders` lists, page after page, in listing order.
    func listedOrderIDs() async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            var query = ["limit": "50"]
            if let cursor { query["cursor"] = cursor }
            let page = try await ListingProcessTests.list(query, environment: environment)
            ids += page.ids
            cursor = page.cursor
        } while cursor != nil
        return ids
    }

    /// Runs `reindex` and returns its report.
    func reindex() async throws -> [String: Any] {
        let result = try await run("reindex", Data("{}".utf8))
        #expect(result.exitCode == 0, "\(result.standardError)")
        return try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any] ?? [:]
    }

    /// Checks that what the service says of an order hangs together, and returns the order:
    /// - its status history follows the flow from its start, without a gap or a repeat, and may end with one
    ///   `cancelled` before `shipped`;
    /// - its version is 1 plus the number of changes;
    /// - it has exactly one event per committed change (its creation, each status it entered, its cancellation), in
    ///   version order, and no other.
    @discardableResult
    func expectConsistentOrder(_ id: String) async throws -> Events.Response {
        let order = try await order(id)
        try #require(order.statusCode == 200, "\(id): \(order.body)")
        let history = order.history
        let isCancelled = history.last == "cancelled"
        let flowPart = isCancelled ? Array(history.dropLast()) : history
        #expect(flowPart == Array(TortureLedger.flow.prefix(flowPart.count)), "\(id): history \(history)")
        #expect(!isCancelled || !flowPart.contains("shipped"), "\(id): cancelled after shipping: \(history)")
        #expect(order.version == history.count, "\(id): version \(order.version) after \(history.count) statuses")
        #expect((order.body["cancellation"] != nil) == isCancelled, "\(id): cancellation \(order.body)")

        let events = try await events(id)
        #expect(events.map { $0["status"] as? String } == history, "\(id): events \(events)")
        #expect(events.map { $0["version"] as? Int } == Array(1...max(1, history.count)), "\(id): events \(events)")
        #expect(
            events.map { $0["type"] as? String }
                == ["order_added"] + Array(repeating: "order_status_updated", count: max(0, flowPart.count - 1))
                + (isCancelled ? ["order_cancelled"] : []))
        #expect(Set(events.compactMap { $0["id"] as? String }).count == events.count, "\(id): event ids repeat")
        return order
    }

    /// Runs `dispatch-events` until no event of `ids` is pending, for up to `seconds`; returns the events by id.
    func deliverEveryEvent(of ids: [String], seconds: Double = 30) async throws -> [String: [String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            var events: [String: [String: Any]] = [:]
            for id in ids {
                for event in try await self.events(id) { events[event["id"] as? String ?? ""] = event }
            }
            let pending = events.values.filter { ($0["delivery"] as? [String: Any])?["state"] as? String == "pending" }
            if pending.isEmpty || Date() > deadline { return events }
            _ = try await dispatch()
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
