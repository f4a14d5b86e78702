import Foundation
import Testing

/// The store's crash promises, checked by killing the real handlers with SIGKILL at random moments, hundreds of times,
/// then reading everything back from the disk and through the service.
///
/// `swift test` runs a bounded torture (200 kills); `make stress` runs a long one. `ORDER_TORTURE_KILLS` sets the
/// number of kills.
@Suite("Crash torture", .serialized)
struct CrashTortureTests {
    static var killTarget: Int {
        ProcessInfo.processInfo.environment["ORDER_TORTURE_KILLS"].flatMap(Int.init) ?? 200
    }

    @Test("handlers killed at random moments lose no acknowledged change and leave a consistent store")
    func killedHandlers() async throws {
        let receiver = try await WebhookReceiver()
        // A key held by an attempt that died is taken over after 1 s, and a failed delivery retried after 1 s.
        let setup = try EventDeliveryTests.Setup(
            url: receiver.url, extra: ["ORDER_IDEMPOTENCY_LEASE_SECONDS": "1", "ORDER_WEBHOOK_RETRY_SCHEDULE": "1s"])
        defer { setup.cleanUp() }
        let typical = try await Self.typicalInvocation()
        let ledger = TortureLedger(killTarget: Self.killTarget, typicalInvocation: typical)

        let started = ContinuousClock.now
        try await CrashTorture(setup: setup, ledger: ledger).run(clients: 4)
        print(
            "crash torture: \(await ledger.summary) in \(ContinuousClock.now - started); typical invocation \(typical) "
                + "at the start, \(await ledger.typicalInvocation) at the end")
        #expect(await ledger.kills >= Self.killTarget)
        let surprises = await ledger.surprises
        #expect(surprises == [], "answers no correct service gives:\n\(surprises.joined(separator: "\n"))")
        let orders = await ledger.orders

        // On disk: every document parses, and there is one per order a client created: no retry made a duplicate.
        let audit = try DataDirectoryAudit(root: setup.data)
        #expect(audit.unreadable == [])
        #expect(audit.unexpectedOrderFiles == [])
        #expect(Set(audit.documents.keys) == Set(orders.keys))
        print("crash torture: \(audit.temporaryFiles.count) temp files left by killed writers")

        // A temp file beside a document, as a writer killed mid-write leaves it, is never read as the document.
        let decoyOrder = try #require(orders.keys.sorted().first)
        let documentPath = try #require(
            FileManager.default.enumerator(atPath: setup.data.appendingPathComponent("orders").path)?
                .compactMap { $0 as? String }.first { $0.hasSuffix("/\(decoyOrder).json") })
        let decoy = setup.data.appendingPathComponent("orders")
            .appendingPathComponent(documentPath).deletingLastPathComponent()
            .appendingPathComponent(".\(decoyOrder).json.99999.1.tmp")
        try Data(#"{"schema_version":1,"order":{"id":"#.utf8).write(to: decoy)

        // Through the service: every acknowledged change is there, every order is consistent with its events.
        for order in orders.values.sorted(by: { $0.id < $1.id }) {
            let stored = try await setup.expectConsistentOrder(order.id)
            #expect(stored.version == audit.order(order.id)["version"] as? Int)
            for status in order.acknowledgedStatuses {
                #expect(stored.history.contains(status), "\(order.id): acknowledged \(status) is missing")
            }
            if order.isSettled {
                // An order its client only found on a retry (409 order_exists) and never moved is where orders start.
                let last = order.acknowledgedStatuses.last ?? TortureLedger.flow[0]
                #expect(stored.status == last, "\(order.id) is not where its client left it")
            }
        }

        // Listings return exactly the real orders, each once; rebuilding the indexes finds none missing.
        let listed = try await setup.listedOrderIDs()
        #expect(listed.count == Set(listed).count, "an order is listed twice")
        #expect(Set(listed) == Set(orders.keys))
        let reindexed = try await setup.reindex()
        #expect(reindexed["orders"] as? Int == orders.count)
        #expect(reindexed["entries_added"] as? Int == 0, "a commit left an index entry missing")
        #expect(reindexed["delivered_events_indexed"] as? Int == 0, "a delivery left its event's entry missing")
        #expect(reindexed["unreadable_orders"] as? [String] == [])

        // Every event is delivered in the end; the webhook never got an event of a change that was not committed.
        let events = try await setup.deliverEveryEvent(of: Array(orders.keys))
        let received = receiver.received
        await receiver.stop()
        let receivedIDs = Set(received.map(\.eventID))
        for (id, event) in events {
            #expect((event["delivery"] as? [String: Any])?["state"] as? String == "delivered", "\(event)")
            #expect(receivedIDs.contains(id), "event \(id) was marked delivered but never received")
        }
        for request in received {
            let stored = try #require(events[request.eventID], "received an event that no order has: \(request.json)")
            #expect(request.version == stored["version"] as? Int)
        }

        // The store keeps working.
        #expect(try await setup.create("AFTER-TORTURE").statusCode == 201)
        #expect(try await setup.update("AFTER-TORTURE", to: "confirmed").statusCode == 200)
        try await setup.expectConsistentOrder("AFTER-TORTURE")
    }

    /// How long a create or an update takes here, its event delivery included, without kills: the median of a few.
    static func typicalInvocation() async throws -> Duration {
        let receiver = try await WebhookReceiver()
        let setup = try EventDeliveryTests.Setup(url: receiver.url)
        defer { setup.cleanUp() }
        var durations: [Duration] = []
        for index in 0..<4 {
            let clock = ContinuousClock()
            durations.append(try await clock.measure { _ = try await setup.create("TIMING-\(index)") })
            durations.append(try await clock.measure { _ = try await setup.update("TIMING-\(index)", to: "confirmed") })
        }
        await receiver.stop()
        return durations.sorted()[durations.count / 2]
    }
}
