import Foundation
import Testing

/// A data directory written by an earlier release (`fixtures/data-directories/`), served by this build: nothing in
/// it may be lost or stuck. Each test works on its own copy; the fixture itself is never changed.
@Suite("A data directory of an earlier release")
struct DataDirectoryUpgradeTests {
    /// The directories under `fixtures/data-directories/`, each made by `scripts/make-data-directory.sh`.
    static let releases = ["schema-1", "schema-2", "schema-2-delivered-events"]

    /// What `manifest.json` says the script made.
    struct Manifest {
        struct StoredOrder {
            var status: String
            var version: Int
            var city: String
            var country: String
            var pending: Int
            var delivered: Int
        }

        /// The `schema_version` of the documents.
        var schemaVersion: Int
        var orders: [String: StoredOrder]
        /// Request file → (key, order id) of the creates sent with an Idempotency-Key.
        var keyedCreates: [String: (key: String, orderID: String)]
        var outbox: [String]
        var deadLetters: [String]

        init(_ url: URL) throws {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            schemaVersion = try #require(json["schema_version"] as? Int)
            let orders = try #require(json["orders"] as? [String: [String: Any]])
            self.orders = orders.mapValues { order in
                let events = order["events"] as? [String: Int] ?? [:]
                return StoredOrder(
                    status: order["status"] as? String ?? "", version: order["version"] as? Int ?? 0,
                    city: order["city"] as? String ?? "", country: order["country"] as? String ?? "",
                    pending: events["pending"] ?? 0, delivered: events["delivered"] ?? 0)
            }
            let keyed = try #require(json["keyed_creates"] as? [String: [String: String]])
            keyedCreates = keyed.mapValues { (key: $0["key"] ?? "", orderID: $0["order_id"] ?? "") }
            outbox = json["outbox"] as? [String] ?? []
            deadLetters = json["dead_letters"] as? [String] ?? []
        }
    }

    /// A copy of one release's data directory, and the functions run against it.
    struct Copy {
        let fixture: URL
        let manifest: Manifest
        let data: URL

        init(of release: String) throws {
            fixture = Paths.fixtures.appendingPathComponent("data-directories/\(release)")
            manifest = try Manifest(fixture.appendingPathComponent("manifest.json"))
            data = try Paths.temporaryDirectory()
            try FileManager.default.removeItem(at: data)
            try FileManager.default.copyItem(at: fixture.appendingPathComponent("data"), to: data)
        }

        func run(_ function: String, _ event: Data, environment: [String: String] = [:]) async throws
            -> Events.Response
        {
            let result = try await FunctionProcess.run(
                Paths.binaries.appendingPathComponent(function), input: event,
                environment: environment.merging(["ORDER_DATA_DIR": data.path]) { $1 })
            return try Events.response(result)
        }

        /// Every order id a listing with `query` returns, walking every page, a few orders a page.
        func list(_ query: [String: String]) async throws -> [String] {
            var ids: [String] = []
            var cursor: String?
            repeat {
                var parameters = query
                parameters["limit"] = "4"
                parameters["cursor"] = cursor
                let page = try await ListingProcessTests.list(parameters, environment: ["ORDER_DATA_DIR": data.path])
                ids += page.ids
                cursor = page.cursor
            } while cursor != nil
            return ids
        }

        func cleanUp() { try? FileManager.default.removeItem(at: data) }
    }

    @Test("every order reads as it was, in its currency or the default one", arguments: releases)
    func everyOrderReads(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        #expect(copy.manifest.orders.count >= 10)
        for (id, stored) in copy.manifest.orders {
            let response = try await copy.run("get-order", Events.getOrder(id: id))
            #expect(response.statusCode == 200, "\(id): \(response.body)")
            #expect(response.status == stored.status, "\(id)")
            #expect(response.version == stored.version, "\(id)")
            #expect(response.history.count == stored.version, "\(id): one history entry per version")
            #expect(response.headers["ETag"] == "\"\(stored.version)\"")
            #expect(response.body["currency"] as? String == "EUR", "\(id)")
            #expect(response.body["cancellation"] == nil && response.body["customer"] == nil, "\(id)")
        }
        // The default of the process reading an order stored without a currency is its currency; an order stored with
        // one keeps it.
        let id = try #require(copy.manifest.orders.keys.sorted().first)
        let inFrancs = try await copy.run(
            "get-order", Events.getOrder(id: id), environment: ["ORDER_DEFAULT_CURRENCY": "CHF"])
        #expect(inFrancs.body["currency"] as? String == (copy.manifest.schemaVersion == 1 ? "CHF" : "EUR"))
    }

    @Test("its indexes serve every filter, and reindex finds nothing to repair", arguments: releases)
    func listsByEveryFilter(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        let orders = copy.manifest.orders

        let reindex = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("reindex"), input: Data(),
            environment: ["ORDER_DATA_DIR": copy.data.path])
        let report = try #require(try JSONSerialization.jsonObject(with: reindex.standardOutput) as? [String: Any])
        #expect(report["orders"] as? Int == orders.count)
        #expect(report["entries_added"] as? Int == 0, "\(report)")
        #expect(report["entries_removed"] as? Int == 0, "\(report)")
        #expect((report["unreadable_orders"] as? [String])?.isEmpty == true, "\(report)")

        #expect(Set(try await copy.list([:])) == Set(orders.keys))
        for status in Set(orders.values.map(\.status)) {
            let expected = orders.filter { $0.value.status == status }.keys
            #expect(Set(try await copy.list(["status": status])) == Set(expected), "status \(status)")
        }
        for city in Set(orders.values.map(\.city)) {
            let expected = orders.filter { $0.value.city == city }.keys
            #expect(Set(try await copy.list(["shipping_city": city.uppercased()])) == Set(expected), "city \(city)")
        }
        for country in Set(orders.values.map(\.country)) {
            let expected = orders.filter { $0.value.country == country }.keys
            #expect(Set(try await copy.list(["shipping_country": country])) == Set(expected), "country \(country)")
        }
        let all = try await copy.list(["created_from": "2000-01-01T00:00:00Z", "created_to": "2100-01-01T00:00:00Z"])
        #expect(Set(all) == Set(orders.keys))
        #expect(try await copy.list(["created_to": "2000-01-01T00:00:00Z"]).isEmpty)
        #expect(try await copy.list(["status": "cancelled"]).isEmpty)
        #expect(try await copy.list(["customer_id": "cus_1"]).isEmpty)
    }

    @Test("its idempotency keys replay the first answer", arguments: releases)
    func idempotencyKeysReplay(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        #expect(copy.manifest.keyedCreates.count >= 2)
        for (file, created) in copy.manifest.keyedCreates {
            let event = try Data(contentsOf: copy.fixture.appendingPathComponent("requests/\(file)"))
            // Kept far longer than by default: the fixture was written long before the test runs.
            let response = try await copy.run(
                "create-order", event, environment: ["ORDER_IDEMPOTENCY_TTL_SECONDS": "3153600000"])
            #expect(response.statusCode == 201, "\(file): \(response.body)")
            #expect(response.headers["Idempotent-Replayed"] == "true", "\(file)")
            #expect(response.body["id"] as? String == created.orderID, "\(file)")
            #expect(response.version == 1)
        }
        let listed = try await copy.list([:])
        #expect(listed.count == copy.manifest.orders.count, "a replay creates no order")
    }

    @Test("its pending events are delivered, in order, and its dead letters stay", arguments: releases)
    func pendingEventsAreDelivered(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        let pending = copy.manifest.orders.values.map(\.pending).reduce(0, +)
        #expect(pending >= 3 && !copy.manifest.outbox.isEmpty && !copy.manifest.deadLetters.isEmpty)

        let receiver = try await WebhookReceiver()
        // As the schedule would, until nothing waits: on a busy machine an attempt may time out, and is retried.
        let environment = [
            "ORDER_DATA_DIR": copy.data.path, "ORDER_WEBHOOK_URL": receiver.url, "ORDER_WEBHOOK_TIMEOUT_MS": "5000",
            "ORDER_WEBHOOK_RETRY_SCHEDULE": "1s",
        ]
        let outboxPath = copy.data.appendingPathComponent("outbox").path
        for _ in 0..<10 {
            let dispatched = try await FunctionProcess.run(
                Paths.binaries.appendingPathComponent("dispatch-events"), input: Data(Events.scheduledEvent.utf8),
                environment: environment)
            #expect(dispatched.exitCode == 0, "\(dispatched.standardError)")
            if try FileManager.default.contentsOfDirectory(atPath: outboxPath).isEmpty { break }
            try await Task.sleep(for: .milliseconds(1200))
        }
        try await receiver.waitForRequests(pending)
        await receiver.stop()

        // Delivered at least once each; an attempt that timed out may have arrived as well.
        let received = Dictionary(receiver.received.map { ($0.eventID, $0) }) { first, _ in first }.values
        #expect(received.count == pending)
        for (id, stored) in copy.manifest.orders where stored.pending > 0 {
            let versions = receiver.received.filter { $0.json["subject"] as? String == id }.map(\.version)
            #expect(versions == versions.sorted(), "\(id): delivered out of order: \(versions)")
            #expect(Set(versions).count == stored.pending, "\(id): \(versions)")
            let events = try await copy.run(
                "get-order-events",
                Events.event(method: "GET", path: "/order/\(id)/events", pathParameters: ["id": id], body: nil))
            let states = (events.body["events"] as? [[String: Any]] ?? []).compactMap {
                ($0["delivery"] as? [String: Any])?["state"] as? String
            }
            #expect(!states.contains("pending"), "\(id): \(states)")
        }
        let outbox = try FileManager.default.contentsOfDirectory(atPath: outboxPath)
        #expect(outbox.isEmpty, "\(outbox)")
        let letters = try FileManager.default.contentsOfDirectory(
            atPath: copy.data.appendingPathComponent("dead-letters").path)
        #expect(Set(letters) == Set(copy.manifest.deadLetters))
    }

    @Test("every order moves on or cancels, and listings follow", arguments: releases)
    func ordersMoveOnAndCancel(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        let flow = ["pending_confirmation", "confirmed", "sent_to_warehouse", "shipped", "in_transit", "delivered"]
        var cancelled: Set<String> = []
        for (id, stored) in copy.manifest.orders.sorted(by: { $0.key < $1.key }) {
            let position = try #require(flow.firstIndex(of: stored.status))
            if position + 1 < flow.count {
                let moved = try await copy.run(
                    "update-order-status", Events.updateStatus(id: id, status: flow[position + 1]))
                #expect(moved.statusCode == 200 && moved.version == stored.version + 1, "\(id): \(moved.body)")
            }
            let cancel = try await copy.run("cancel-order", Events.cancelOrder(id: id, reason: "customer_request"))
            if position + 1 < flow.firstIndex(of: "shipped")! {
                #expect(cancel.statusCode == 200 && cancel.status == "cancelled", "\(id): \(cancel.body)")
                #expect(cancel.version == stored.version + 2)
                cancelled.insert(id)
            } else {
                #expect(cancel.statusCode == 409 && cancel.errorCode == "invalid_transition", "\(id): \(cancel.body)")
            }
        }
        #expect(!cancelled.isEmpty)
        #expect(Set(try await copy.list(["status": "cancelled"])) == cancelled)
        #expect(Set(try await copy.list([:])) == Set(copy.manifest.orders.keys))

        // A document rewritten by this release is at the new schema version; its neighbours were not touched.
        let id = try #require(cancelled.first)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: try Self.documentPath(of: id, in: copy.data)))
                as? [String: Any])
        #expect(document["schema_version"] as? Int == 2)
    }

    @Test("a customer's orders are listed, and reindex rebuilds the customer index", arguments: releases)
    func customersAreIndexed(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        let created = try await copy.run(
            "create-order", Events.createOrder(id: "NEW-1", extra: ["customer": ["id": "cus_1"]]))
        #expect(created.statusCode == 201, "\(created.body)")
        #expect(try await copy.list(["customer_id": "cus_1"]) == ["NEW-1"])

        try FileManager.default.removeItem(at: copy.data.appendingPathComponent("index/customer=cus%5F1"))
        #expect(try await copy.list(["customer_id": "cus_1"]).isEmpty, "the index drives the listing")
        let reindex = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("reindex"), input: Data(),
            environment: ["ORDER_DATA_DIR": copy.data.path])
        let report = try #require(try JSONSerialization.jsonObject(with: reindex.standardOutput) as? [String: Any])
        #expect(report["entries_added"] as? Int == 1, "\(report)")
        #expect(try await copy.list(["customer_id": "cus_1"]) == ["NEW-1"])
    }

    @Test(
        "its dead letters are listed and redelivered; its delivered events are listed, reindex entering any never indexed",
        arguments: releases)
    func eventsAcrossOrders(release: String) async throws {
        let copy = try Copy(of: release)
        defer { copy.cleanUp() }
        func listed(_ state: String) async throws -> [String] {
            var event = try #require(
                try JSONSerialization.jsonObject(
                    with: Events.event(method: "GET", path: "/events", pathParameters: [:], body: nil))
                    as? [String: Any])
            event["queryStringParameters"] = ["state": state, "limit": "500"]
            let page = try await copy.run("list-events", try JSONSerialization.data(withJSONObject: event))
            #expect(page.statusCode == 200, "\(page.body)")
            #expect(page.body["skipped_events"] == nil, "\(page.body)")
            return (page.body["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        let letters = copy.manifest.deadLetters.map { String($0.dropLast(".json".count)) }
        #expect(Set(try await listed("dead")) == Set(letters))
        // A release that kept a file per delivered event left `delivered-events/`; the earlier ones kept no index.
        let entryFiles = copy.data.appendingPathComponent("delivered-events").path
        let hasEntryFiles = FileManager.default.fileExists(atPath: entryFiles)
        let deliveredCount = copy.manifest.orders.values.reduce(0) { $0 + $1.delivered }
        let before = try await listed("delivered")
        #expect(before.count == (hasEntryFiles ? deliveredCount : 0), "\(before)")

        let reindex = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("reindex"), input: Data(),
            environment: ["ORDER_DATA_DIR": copy.data.path])
        let report = try #require(try JSONSerialization.jsonObject(with: reindex.standardOutput) as? [String: Any])
        let delivered = try await listed("delivered")
        #expect(report["delivered_events_indexed"] as? Int == (hasEntryFiles ? 0 : delivered.count), "\(report)")
        if hasEntryFiles {
            #expect(report["entries_migrated"] as? Int == deliveredCount, "\(report)")
            #expect(delivered == before)
        }
        #expect(!FileManager.default.fileExists(atPath: entryFiles), "reindex moved the entry files into segments")
        #expect(delivered.count == deliveredCount)
        #expect(delivered == delivered.sorted(by: >), "newest first")

        let bulk = try await copy.run(
            "redeliver-events",
            Events.event(method: "POST", path: "/events/redeliver", pathParameters: [:], body: ["state": "dead"]))
        #expect(bulk.statusCode == 202 && bulk.body["redelivered"] as? Int == letters.count, "\(bulk.body)")
        #expect(try await listed("dead").isEmpty)
        #expect(Set(letters).isSubset(of: try await listed("pending")))
    }

    /// Where the store keeps the document of `id`: found by name, so the test does not copy the store's hash.
    static func documentPath(of id: String, in data: URL) throws -> URL {
        let orders = data.appendingPathComponent("orders")
        for bucket in try FileManager.default.contentsOfDirectory(atPath: orders.path) {
            let path = orders.appendingPathComponent("\(bucket)/\(id).json")
            if FileManager.default.fileExists(atPath: path.path) { return path }
        }
        throw CocoaError(.fileNoSuchFile)
    }
}
