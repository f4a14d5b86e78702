import Foundation
import Testing

/// Many clients at once through the built gateway and the real functions, with enough function processes allowed
/// to run side by side: creates that race for the same id or the same `Idempotency-Key`, then status changes that
/// race on the same orders, with and without `If-Match`, some of them cancellations. Afterwards every answer is checked against the stored
/// documents, their events and the listings.
@Suite("Concurrency torture through the gateway", .serialized)
struct ConcurrencyTortureTests {
    static let flow = ["pending_confirmation", "confirmed", "sent_to_warehouse", "shipped", "in_transit", "delivered"]
    /// Function processes the gateway may run at once (per function in warm mode).
    static let maximumConcurrency = 48

    /// Ids raced for by `contendersPerID` clients each, each with its own city so the winner's body is known.
    static let contestedIDs = (1...8).map { "TORTURE-\($0)" }
    static let contendersPerID = 4
    /// Keys shared by `clientsPerKey` clients each, sending the same body without an id.
    static let idempotencyKeys = (1...6).map { "torture-key-\($0)" }
    static let clientsPerKey = 5
    /// Creates that leave the id to the service.
    static let assignedCount = 16
    /// Status changes: `updatersPerOrder` clients per order, `roundsPerUpdater` changes each.
    static let updatersPerOrder = 4
    static let roundsPerUpdater = 4

    @Test(
        "32+ clients at once: no lost update, no duplicate id, events equal to changes, consistent listings",
        arguments: GatewayMode.allCases)
    func torture(mode: GatewayMode) async throws {
        let root = try Paths.temporaryDirectory()
        let data = root.appendingPathComponent("orders")
        // A webhook that never answers, waited for a second: each change's process goes on delivering
        // after its answer, recording a failed attempt in the document while the next changes of the same orders
        // run, so the processes overlap however fast one request is on its own.
        let webhook = try SilentWebhook()
        let variables = root.appendingPathComponent("env-vars.json")
        try JSONSerialization.data(withJSONObject: [
            "Parameters": ["ORDER_WEBHOOK_URL": webhook.url, "ORDER_WEBHOOK_TIMEOUT_MS": "1000"]
        ]).write(to: variables)
        let gateway = try GatewayProcess(
            [
                "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
                "--functions-dir", Paths.binaries.path, "--data-dir", data.path, "--env-vars", variables.path,
                "--max-concurrency", String(Self.maximumConcurrency),
            ] + mode.arguments)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: root)
        }
        let client = HTTPClient(port: gateway.port, token: try DevelopmentTokens.token(dataDirectory: data))

        let peakSampler = Task { () -> Int in
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, gateway.childProcessCount())
                try? await Task.sleep(for: .milliseconds(5))
            }
            return peak
        }
        let creates = try await Self.createStorm(client)
        let orderIDs = try Self.checkCreates(creates)
        try await Self.checkIdempotencyReplays(client, creates: creates)

        let raced = Self.contestedIDs + orderIDs.assigned.prefix(4)
        let updates = try await Self.updateStorm(client, orders: raced)
        peakSampler.cancel()
        let peak = await peakSampler.value
        // The point of the exercise: at least 32 function processes really ran side by side.
        print(
            "concurrency torture (\(mode)): \(creates.count) creates, \(updates.count) updates, peak \(peak) processes")
        #expect(peak >= 32, "only \(peak) function processes ever ran at once")

        var finalOrders: [String: [String: Any]] = [:]
        for id in orderIDs.all {
            let read = try await client.send("GET", "/order/\(id)")
            #expect(read.status == 200, "\(id): \(read.text)")
            finalOrders[id] = read.json
        }
        for id in raced {
            Self.checkUpdates(updates.filter { $0.orderID == id }, final: try #require(finalOrders[id]), id: id)
        }
        for (id, order) in finalOrders {
            try await Self.checkEvents(client, order: order, id: id)
        }
        try await Self.checkListings(client, orders: finalOrders, creates: creates)
    }
}

// MARK: - Creates

extension ConcurrencyTortureTests {
    /// One create request and its answer.
    struct CreateAttempt: Sendable {
        enum Kind: Sendable {
            case contested(id: String)
            case keyed(key: String)
            case assigned
        }

        var kind: Kind
        /// The shipping city sent: it tells whose body was stored.
        var city: String
        var answer: HTTPClient.Response
    }

    /// Every create at once: contested ids, shared keys, server-assigned ids.
    static func createStorm(_ client: HTTPClient) async throws -> [CreateAttempt] {
        var requests: [(kind: CreateAttempt.Kind, city: String, body: Data, headers: [String: String])] = []
        for id in contestedIDs {
            for contender in 0..<contendersPerID {
                let city = "\(id)-by-\(contender)"
                requests.append((.contested(id: id), city, try json(Orders.create(id: id, city: city)), [:]))
            }
        }
        for key in idempotencyKeys {
            // One body per key, byte for byte the same for every client: the key's fingerprint is of the bytes.
            let body = try json(Orders.create(id: nil, city: key))
            for _ in 0..<clientsPerKey {
                requests.append((.keyed(key: key), key, body, ["Idempotency-Key": key]))
            }
        }
        for _ in 0..<assignedCount {
            requests.append((.assigned, "Assigned", try json(Orders.create(id: nil, city: "Assigned")), [:]))
        }
        #expect(requests.count >= 32)

        return try await withThrowingTaskGroup(of: CreateAttempt.self) { group in
            for request in requests {
                group.addTask {
                    let answer = try await client.send("POST", "/order", body: request.body, headers: request.headers)
                    return CreateAttempt(kind: request.kind, city: request.city, answer: answer)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Checks the answers of the create storm; returns the ids of the orders that exist now.
    static func checkCreates(_ creates: [CreateAttempt]) throws -> (all: [String], assigned: [String]) {
        var all: [String] = []
        for id in contestedIDs {
            let attempts = creates.filter { if case .contested(id) = $0.kind { true } else { false } }
            let winners = attempts.filter { $0.answer.status == 201 }
            #expect(winners.count == 1, "\(id): \(winners.count) creates succeeded")
            for loser in attempts where loser.answer.status != 201 {
                #expect(loser.answer.status == 409, "\(id): \(loser.answer.text)")
                #expect(loser.answer.json["code"] as? String == "order_exists", "\(id): \(loser.answer.text)")
            }
            if let winner = winners.first {
                #expect(winner.answer.json["id"] as? String == id)
                #expect(city(of: winner.answer.json) == winner.city)
            }
            all.append(id)
        }

        for key in idempotencyKeys {
            let attempts = creates.filter { if case .keyed(key) = $0.kind { true } else { false } }
            let created = attempts.filter { $0.answer.status == 201 }
            for busy in attempts where busy.answer.status != 201 {
                // The only other answer: the key's first request was still running.
                #expect(busy.answer.status == 409, "\(key): \(busy.answer.text)")
                #expect(busy.answer.json["code"] as? String == "request_in_progress", "\(key): \(busy.answer.text)")
            }
            let ids = Set(created.compactMap { $0.answer.json["id"] as? String })
            #expect(ids.count == 1, "\(key): one key made orders \(ids.sorted())")
            #expect(created.filter { $0.answer.header("Idempotent-Replayed") == nil }.count == 1, "\(key)")
            all += ids
        }

        let assigned = creates.filter { if case .assigned = $0.kind { true } else { false } }
        #expect(assigned.allSatisfy { $0.answer.status == 201 }, "\(assigned.map(\.answer.status))")
        let assignedIDs = assigned.compactMap { $0.answer.json["id"] as? String }
        #expect(Set(assignedIDs).count == assignedCount, "duplicate assigned ids: \(assignedIDs.sorted())")
        #expect(assignedIDs.allSatisfy { $0.count == 26 }, "not ULIDs: \(assignedIDs)")
        return (all + assignedIDs, assignedIDs.sorted())
    }

    /// Each key sent once more, alone: the first answer comes back, marked as replayed, naming the same order.
    static func checkIdempotencyReplays(_ client: HTTPClient, creates: [CreateAttempt]) async throws {
        for key in idempotencyKeys {
            let first = creates.first { attempt in
                if case .keyed(key) = attempt.kind { attempt.answer.status == 201 } else { false }
            }
            let replay = try await client.send(
                "POST", "/order", body: try json(Orders.create(id: nil, city: key)), headers: ["Idempotency-Key": key])
            #expect(replay.status == 201, "\(key): \(replay.text)")
            #expect(replay.header("Idempotent-Replayed") == "true", "\(key)")
            #expect(replay.json["id"] as? String == first?.answer.json["id"] as? String, "\(key)")
        }
    }
}

// MARK: - Status changes

extension ConcurrencyTortureTests {
    /// One status change a client asked for, and what it got.
    struct UpdateAttempt: Sendable {
        enum Kind: CaseIterable, Sendable {
            /// The next status, `If-Match` the version just read: 200 means this request made the change.
            case conditional
            /// The next status through `PUT /order`, no condition.
            case unconditional
            /// Two statuses ahead (or back to the start, near the end): refused unless others moved the order.
            case skipAhead
            /// The next status, `If-Match` a version older than the one read: always 412.
            case staleCondition
            /// The status just read: a no-op, or refused if the order moved on meanwhile.
            case repeatCurrent
            /// `POST /order/{id}/cancel`, `If-Match` the version just read: 200 if this request cancelled it (or it
            /// was cancelled already), 409 once shipped, 412 if others moved it. Not in the cycle of the other kinds:
            /// see ``updateStorm(_:orders:)``.
            case cancel
        }

        var orderID: String
        var kind: Kind
        var readVersion: Int
        var requested: String
        var answer: HTTPClient.Response
    }

    /// `updatersPerOrder` clients per order, all at once, each reading the order then asking for a change.
    static func updateStorm(_ client: HTTPClient, orders: [String]) async throws -> [UpdateAttempt] {
        try await withThrowingTaskGroup(of: [UpdateAttempt].self) { group in
            for (orderIndex, id) in orders.enumerated() {
                for updater in 0..<updatersPerOrder {
                    group.addTask {
                        var attempts: [UpdateAttempt] = []
                        for round in 0..<roundsPerUpdater {
                            let kinds = UpdateAttempt.Kind.allCases.filter { $0 != .cancel }
                            var kind = kinds[(orderIndex + updater + round) % kinds.count]
                            // Every third order gets cancellations racing its other changes, from two clients.
                            if orderIndex % 3 == 0, updater < 2, round == 1 { kind = .cancel }
                            attempts.append(try await update(client, id: id, kind: kind))
                        }
                        return attempts
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// Reads the order, then sends the change `kind` asks for.
    static func update(_ client: HTTPClient, id: String, kind: UpdateAttempt.Kind) async throws -> UpdateAttempt {
        let read = try await client.send("GET", "/order/\(id)")
        let version = try #require(read.json["version"] as? Int)
        let status = read.json["status"] as? String ?? ""
        var kind = kind
        if status == "cancelled" {
            // Nothing follows: ask for cancelled again (a no-op) or with a stale If-Match (412).
            if kind != .staleCondition && kind != .cancel { kind = .repeatCurrent }
            let path = kind == .cancel ? "/order/\(id)/cancel" : "/order/\(id)/status"
            let body: [String: Any] = kind == .cancel ? ["reason": "out_of_stock"] : ["status": "cancelled"]
            let condition =
                kind == .repeatCurrent ? [:] : ["If-Match": "\"\(kind == .cancel ? version : version - 1)\""]
            let answer = try await client.send(
                kind == .cancel ? "POST" : "PUT", path, body: try json(body), headers: condition)
            return UpdateAttempt(orderID: id, kind: kind, readVersion: version, requested: "cancelled", answer: answer)
        }
        let position = try #require(flow.firstIndex(of: status))
        let next = flow[min(position + 1, flow.count - 1)]
        if position == flow.count - 1, kind == .conditional || kind == .unconditional {
            kind = .repeatCurrent  // Delivered: there is no next status to ask for.
        }
        if kind == .cancel {
            let answer = try await client.send(
                "POST", "/order/\(id)/cancel", body: try json(["reason": "out_of_stock"]),
                headers: ["If-Match": "\"\(version)\""])
            return UpdateAttempt(orderID: id, kind: kind, readVersion: version, requested: "cancelled", answer: answer)
        }

        let requested: String
        var headers: [String: String] = [:]
        var path = "/order/\(id)/status"
        var body: [String: Any] = [:]
        switch kind {
        case .conditional:
            requested = next
            headers["If-Match"] = "\"\(version)\""
        case .unconditional:
            requested = next
            path = "/order"
            body["id"] = id
        case .skipAhead:
            requested = position + 2 < flow.count ? flow[position + 2] : flow[0]
        case .staleCondition:
            requested = next
            headers["If-Match"] = "\"\(version - 1)\""
        case .repeatCurrent, .cancel:
            requested = flow[position]
        }
        body["status"] = requested
        let answer = try await client.send("PUT", path, body: try json(body), headers: headers)
        return UpdateAttempt(orderID: id, kind: kind, readVersion: version, requested: requested, answer: answer)
    }

    /// Checks one order's change answers against its final document: no lost update, refusals changed nothing.
    static func checkUpdates(_ attempts: [UpdateAttempt], final: [String: Any], id: String) {
        let version = final["version"] as? Int ?? 0
        let history = final["status_history"] as? [[String: Any]] ?? []
        let statuses = history.compactMap { $0["status"] as? String }
        let flowPart = statuses.last == "cancelled" ? Array(statuses.dropLast()) : statuses
        #expect(flowPart == Array(flow.prefix(flowPart.count)) && statuses.count == version, "\(id): \(history)")
        #expect(statuses.last != "cancelled" || !flowPart.contains("shipped"), "\(id): cancelled after shipping")

        for attempt in attempts {
            let answer = attempt.answer
            let code = answer.json["code"] as? String
            switch answer.status {
            case 200:
                #expect(answer.json["status"] as? String == attempt.requested, "\(id): \(attempt.kind) \(answer.text)")
                #expect(attempt.kind != .staleCondition, "\(id): a stale If-Match was accepted")
                if attempt.kind == .cancel {
                    // The version matched: this request cancelled the order, or it had been cancelled already.
                    let answered = answer.json["version"] as? Int
                    #expect(
                        answered == attempt.readVersion + 1 || answered == attempt.readVersion, "\(id): \(answer.text)")
                }
                if attempt.kind == .conditional {
                    // The version matched and the status was the next one: this request made the change.
                    #expect(answer.json["version"] as? Int == attempt.readVersion + 1, "\(id): \(answer.text)")
                }
                // What the client was told is what is stored for that version, then and now.
                let answered = answer.json["version"] as? Int ?? 0
                #expect((1...max(1, version)).contains(answered), "\(id): version \(answered) of \(version)")
                if (1...history.count).contains(answered) {
                    let entry = history[answered - 1]
                    #expect(entry["status"] as? String == attempt.requested, "\(id): lost update at v\(answered)")
                    #expect(entry["entered_at"] as? String == answer.json["updated_at"] as? String, "\(id)")
                }
            case 409:
                #expect(code == "invalid_transition", "\(id): \(answer.text)")
                #expect(attempt.kind != .conditional && attempt.kind != .staleCondition, "\(id): \(answer.text)")
                if attempt.kind == .cancel {
                    #expect(flowPart.contains("shipped"), "\(id): a cancellation refused before shipping")
                }
            case 412:
                #expect(code == "version_mismatch", "\(id): \(answer.text)")
                #expect(
                    [.conditional, .staleCondition, .cancel].contains(attempt.kind), "\(id): \(answer.text)")
            default:
                Issue.record("\(id): unexpected answer \(answer.status) \(answer.text)")
            }
            if attempt.kind == .staleCondition {
                #expect(answer.status == 412, "\(id): a stale If-Match got \(answer.status)")
            }
        }

        // Every version after the first was made by a request that was told so; none was made twice.
        let successes = attempts.filter { $0.answer.status == 200 }
        let acknowledged = Set(successes.compactMap { $0.answer.json["version"] as? Int }).subtracting([1])
        #expect(acknowledged == Set(2..<(version + 1)), "\(id): acknowledged \(acknowledged.sorted()), v\(version)")
        let conditionalWins = successes.filter { $0.kind == .conditional }.map(\.readVersion)
        #expect(Set(conditionalWins).count == conditionalWins.count, "\(id): two If-Match changes of one version")
    }
}

// MARK: - Events and listings

extension ConcurrencyTortureTests {
    /// One event per committed change, in version order, matching the history; none for refused requests.
    static func checkEvents(_ client: HTTPClient, order: [String: Any], id: String) async throws {
        let answer = try await client.send("GET", "/order/\(id)/events")
        #expect(answer.status == 200, "\(id): \(answer.text)")
        let events = answer.json["events"] as? [[String: Any]] ?? []
        let history = order["status_history"] as? [[String: Any]] ?? []
        #expect(
            events.count == order["version"] as? Int, "\(id): \(events.count) events, version \(order["version"] ?? 0)")
        #expect(Set(events.compactMap { $0["id"] as? String }).count == events.count, "\(id): repeated event ids")
        for (index, event) in events.enumerated() where index < history.count {
            let type =
                index == 0
                ? "order_added"
                : history[index]["status"] as? String == "cancelled" ? "order_cancelled" : "order_status_updated"
            #expect(event["type"] as? String == type, "\(id)")
            #expect(event["version"] as? Int == index + 1, "\(id): \(event)")
            #expect(event["status"] as? String == history[index]["status"] as? String, "\(id): \(event)")
            #expect(event["occurred_at"] as? String == history[index]["entered_at"] as? String, "\(id): \(event)")
            let previous = index == 0 ? nil : history[index - 1]["status"] as? String
            #expect(event["previous_status"] as? String == previous, "\(id): \(event)")
        }
    }

    /// Every listing, paged through `next_cursor`: each order exactly once where its document says it belongs.
    static func checkListings(
        _ client: HTTPClient, orders: [String: [String: Any]], creates: [CreateAttempt]
    ) async throws {
        let everything = try await list(client, query: "limit=7")
        #expect(everything.sorted() == orders.keys.sorted(), "GET /orders lists other orders")

        var listedByStatus: [String] = []
        for status in flow + ["cancelled"] {
            let listed = try await list(client, query: "status=\(status)&limit=4")
            let expected = orders.filter { $0.value["status"] as? String == status }.keys
            #expect(listed.sorted() == expected.sorted(), "status=\(status)")
            listedByStatus += listed
        }
        #expect(listedByStatus.sorted() == orders.keys.sorted(), "an order is missing from or repeated in its status")

        let cities = Set(orders.values.compactMap { city(of: $0) })
        #expect(cities.count == contestedIDs.count + idempotencyKeys.count + 1)
        for city in cities {
            let encoded = city.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? city
            let listed = try await list(client, query: "shipping_city=\(encoded)&limit=5")
            let expected = orders.filter { Self.city(of: $0.value) == city }.keys
            #expect(listed.sorted() == expected.sorted(), "shipping_city=\(city)")
        }
        #expect(
            orders.values.filter { city(of: $0) == "Assigned" }.count == assignedCount,
            "the assigned orders' city")
        // A losing contender's body was never stored.
        let losers = creates.filter { attempt in
            if case .contested = attempt.kind { attempt.answer.status != 201 } else { false }
        }.map(\.city)
        #expect(cities.isDisjoint(with: losers), "a refused create's body was stored")
    }

    /// The ids of a listing, every page of it, checking that no page repeats an order.
    static func list(_ client: HTTPClient, query: String) async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let encodedCursor = cursor?.addingPercentEncoding(withAllowedCharacters: .alphanumerics)
            let path = "/orders?\(query)" + (encodedCursor.map { "&cursor=\($0)" } ?? "")
            let page = try await client.send("GET", path)
            #expect(page.status == 200, "\(path): \(page.text)")
            ids += (page.json["orders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = page.json["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 100
        #expect(Set(ids).count == ids.count, "\(query): an order listed twice: \(ids)")
        return ids
    }

    static func city(of order: [String: Any]) -> String? {
        (order["shipping_address"] as? [String: Any])?["city"] as? String
    }

    static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
