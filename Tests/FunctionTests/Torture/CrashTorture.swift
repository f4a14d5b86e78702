import Foundation

/// Clients creating orders and moving them along the flow through the real handlers, several at once against one
/// data directory, while some of their requests are killed with SIGKILL at random moments.
///
/// Each client behaves as a careful one does when its connection drops: it sends the same request again until it
/// gets an answer. Creations without a key carry the client's own id, so that a retry can tell "already there"
/// from a new order; creations with an `Idempotency-Key` let the service choose the id and are replayed once
/// answered, to prove the key holds. Everything the clients were told goes into the ``TortureLedger``.
struct CrashTorture {
    let setup: EventDeliveryTests.Setup
    let ledger: TortureLedger

    /// Runs `clients` clients and one scheduled `dispatch-events` until the ledger has its kills.
    func run(clients: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var number = 0
                    while await ledger.wantsToGoOn {
                        try await driveOneOrder(named: "C\(client)-\(number)")
                        number += 1
                    }
                }
            }
            group.addTask { try await dispatchUnderFire() }
            try await group.waitForAll()
        }
    }

    /// Creates one order, then moves it a random number of steps along the flow, each change confirmed before the
    /// next is asked for; one order in three is then cancelled (refused once it has shipped).
    private func driveOneOrder(named name: String) async throws {
        let key = Bool.random() ? "key-\(name)-\(UUID().uuidString)" : nil
        guard let id = try await create(clientID: key == nil ? name : nil, key: key) else { return }
        let steps = Int.random(in: 0...5)
        for status in TortureLedger.flow.dropFirst().prefix(steps) {
            guard try await advance(id, to: status) else { return }
        }
        if Int.random(in: 0..<3) == 0 {
            guard try await cancel(id, afterSteps: steps) else { return }
        }
        await ledger.settle(id)
    }

    /// Cancels the order, `steps` changes after its creation; returns whether the answer was the one it must be: the
    /// order cancelled at the next version, or, once shipped, refused with nothing changed.
    private func cancel(_ id: String, afterSteps steps: Int) async throws -> Bool {
        let event = try Events.cancelOrder(id: id, reason: "customer_request")
        guard let (answer, _) = try await sendUntilAnswered("cancel-order", event) else { return false }
        let hasShipped = steps >= TortureLedger.flow.firstIndex(of: "shipped")!
        // A retry of a cancellation an attempt that died had committed is a no-op with the same answer.
        let expected =
            hasShipped
            ? answer.statusCode == 409 && answer.errorCode == "invalid_transition"
            : answer.statusCode == 200 && answer.status == "cancelled" && answer.version == steps + 2
        guard expected else {
            await ledger.surprise("cancel \(id) after \(steps) steps: \(answer.statusCode) \(answer.body)")
            return false
        }
        if !hasShipped { await ledger.acknowledge("cancelled", of: id) }
        return true
    }

    /// Creates an order with the client's id, or with a key and the service's id; returns the id once known.
    private func create(clientID: String?, key: String?) async throws -> String? {
        let event =
            try key.map { try IdempotencyProcessTests.createEvent(key: $0).event }
            ?? Events.createOrder(id: clientID ?? "")
        guard let (answer, anAttemptDied) = try await sendUntilAnswered("create-order", event) else { return nil }

        if let clientID, answer.errorCode == "order_exists", anAttemptDied {
            // An attempt that died had committed it: the order is there, though no 2xx said so.
            await ledger.track(clientID, idempotencyKey: nil)
            return clientID
        }
        guard answer.statusCode == 201, let id = answer.body["id"] as? String, clientID == nil || id == clientID,
            answer.status == TortureLedger.flow[0], answer.version == 1
        else {
            await ledger.surprise("create \(clientID ?? key ?? ""): \(answer.statusCode) \(answer.body)")
            return nil
        }
        await ledger.track(id, idempotencyKey: key)
        await ledger.acknowledge(answer.status, of: id)

        if let key {
            // The same request again, as a client unsure of the first answer would send it: the same order, replayed.
            guard let (replay, _) = try await sendUntilAnswered("create-order", event) else { return id }
            if replay.statusCode != 201 || replay.body["id"] as? String != id
                || replay.headers["Idempotent-Replayed"] != "true"
            {
                await ledger.surprise(
                    "replay of \(key) for \(id): \(replay.statusCode) \(replay.headers) \(replay.body)")
            }
        }
        return id
    }

    /// Moves the order to `status`, the next one of the flow; returns whether a 2xx confirmed it.
    private func advance(_ id: String, to status: String) async throws -> Bool {
        let event = try Events.updateStatus(id: id, status: status)
        guard let (answer, _) = try await sendUntilAnswered("update-order-status", event) else { return false }
        // A retry of a change an attempt that died had committed is a no-op with the same answer.
        let expectedVersion = (TortureLedger.flow.firstIndex(of: status) ?? -1) + 1
        guard answer.statusCode == 200, answer.status == status, answer.version == expectedVersion else {
            await ledger.surprise("update \(id) to \(status): \(answer.statusCode) \(answer.body)")
            return false
        }
        await ledger.acknowledge(status, of: id)
        return true
    }

    /// Sends `event` until a whole answer comes back, and says whether an attempt died on the way. A key still held
    /// by an attempt that died is waited for, as its 409 asks.
    private func sendUntilAnswered(_ function: String, _ event: Data) async throws -> (Events.Response, Bool)? {
        var anAttemptDied = false
        for _ in 0..<200 {
            let invocation = try await KillableInvocation.run(
                function, event: event, environment: setup.environment, killAfter: await ledger.nextKillDelay())
            await ledger.count(invocation)
            guard let answer = invocation.response else {
                if invocation.wasKilled {
                    anAttemptDied = true
                    continue
                }
                await ledger.surprise(
                    "\(function) exited \(invocation.result.exitCode) without an answer: \(invocation.result.standardError)"
                )
                return nil
            }
            if answer.errorCode == "request_in_progress" {
                try await Task.sleep(for: .milliseconds(250))
                continue
            }
            return (answer, anAttemptDied)
        }
        await ledger.surprise("\(function): no answer in 200 attempts")
        return nil
    }

    /// Runs `dispatch-events` every so often, as its schedule would, killed like the others.
    private func dispatchUnderFire() async throws {
        while await ledger.wantsToGoOn {
            let invocation = try await KillableInvocation.run(
                "dispatch-events", event: Data(Events.scheduledEvent.utf8), environment: setup.environment,
                killAfter: await ledger.nextKillDelay())
            await ledger.count(invocation)
            if !invocation.wasKilled && invocation.result.exitCode != 0 {
                await ledger.surprise("dispatch-events failed: \(invocation.result.standardError)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
