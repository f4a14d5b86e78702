import Crypto
import Foundation
import Testing

/// `Idempotency-Key` on `POST /order` with real processes: races, and a request that died holding its key.
@Suite("Idempotent creation across processes")
struct IdempotencyProcessTests {
    static var body: [String: Any] {
        [
            "order_lines": [["sku": "SKU-1", "price": 10, "quantity": 1]],
            "shipping_address": ["line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"],
            "billing_address": ["line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"],
        ]
    }

    static func createEvent(key: String, body: [String: Any] = body) throws -> (event: Data, body: Data) {
        let bodyData = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        var event =
            try JSONSerialization.jsonObject(
                with: Events.event(method: "POST", path: "/order", pathParameters: [:], body: nil)) as? [String: Any]
            ?? [:]
        event["headers"] = ["content-type": "application/json", "idempotency-key": key]
        event["body"] = String(decoding: bodyData, as: UTF8.self)
        return (try JSONSerialization.data(withJSONObject: event), bodyData)
    }

    static func hex(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The documents stored, as files would name them: in the journals or in the files (see ``DataDirectoryAudit``).
    static func orderFiles(in data: URL) throws -> [String] {
        try DataDirectoryAudit(root: data).documents.keys.map { "\($0).json" }.sorted()
    }

    static func eventCount(of id: String, environment: [String: String]) async throws -> Int {
        let result = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("get-order-events"),
            input: try Events.event(method: "GET", path: "/order/\(id)/events", pathParameters: ["id": id], body: nil),
            environment: environment)
        return (try Events.response(result).body["events"] as? [Any])?.count ?? -1
    }

    @Test("10 processes racing with one key create exactly one order with one event")
    func race() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]
        let (event, _) = try Self.createEvent(key: "race-\(UUID().uuidString)")

        let running = try (0..<10).map { _ in
            try FunctionProcess.start(
                Paths.binaries.appendingPathComponent("create-order"), input: event, environment: environment)
        }
        var answers: [Events.Response] = []
        for process in running {
            let result = try await process.wait()
            #expect(result.exitCode == 0, "stderr: \(result.standardError)")
            answers.append(try Events.response(result))
        }
        // Each process either made or replayed the order, or found the first still running.
        #expect(answers.allSatisfy { $0.statusCode == 201 || $0.statusCode == 409 }, "\(answers.map(\.statusCode))")
        let created = answers.filter { $0.statusCode == 201 }
        #expect(!created.isEmpty)
        let ids = Set(created.compactMap { $0.body["id"] as? String })
        #expect(ids.count == 1)
        for conflict in answers where conflict.statusCode == 409 {
            #expect(conflict.body["code"] as? String == "request_in_progress")
        }
        let files = try Self.orderFiles(in: data)
        #expect(files.count == 1)
        let id = try #require(ids.first)
        #expect(files == ["\(id).json"])
        #expect(try await Self.eventCount(of: id, environment: environment) == 1)
    }

    @Test("a request that died holding its key is taken over with the order id it chose", arguments: [false, true])
    func takeover(orderWasWritten: Bool) async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]
        let key = "crash-\(UUID().uuidString)"
        let (event, body) = try Self.createEvent(key: key)
        let create = Paths.binaries.appendingPathComponent("create-order")

        let chosenID: String
        if orderWasWritten {
            // The first request stored its order, then died before recording its answer.
            let first = try Events.response(
                try await FunctionProcess.run(create, input: event, environment: environment))
            #expect(first.statusCode == 201)
            chosenID = try #require(first.body["id"] as? String)
        } else {
            // The first request chose its id and died before writing anything else.
            chosenID = "01JDQ3ZC8M6S9X2V5T7R4N1K0P"
        }
        let digest = Self.hex(Data(key.utf8))
        let directory = data.appendingPathComponent("idempotency/\(digest.prefix(2))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Started two minutes ago, with a lease that ran out a minute ago.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let record: [String: Any] = [
            "fingerprint": Self.hex(body), "order_id": chosenID, "state": "in_progress",
            "created_at": formatter.string(from: Date().addingTimeInterval(-120)),
            "lease_expires_at": formatter.string(from: Date().addingTimeInterval(-60)), "owner": "dead",
        ]
        try JSONSerialization.data(withJSONObject: record).write(to: directory.appendingPathComponent("\(digest).json"))
        if orderWasWritten {
            // A lease that has not expired keeps the key busy.
            var live = record
            live["lease_expires_at"] = "2999-01-01T00:00:00.000Z"
            try JSONSerialization.data(withJSONObject: live).write(
                to: directory.appendingPathComponent("\(digest).json"))
            let busy = try Events.response(
                try await FunctionProcess.run(create, input: event, environment: environment))
            #expect(busy.statusCode == 409)
            #expect(busy.body["code"] as? String == "request_in_progress")
            try JSONSerialization.data(withJSONObject: record).write(
                to: directory.appendingPathComponent("\(digest).json"))
        }

        let retry = try Events.response(try await FunctionProcess.run(create, input: event, environment: environment))
        #expect(retry.statusCode == 201)
        #expect(retry.body["id"] as? String == chosenID)
        #expect(retry.version == 1)
        let replay = try await FunctionProcess.run(create, input: event, environment: environment)
        let replayed = try Events.response(replay)
        #expect(replayed.statusCode == 201)
        #expect(replayed.body["id"] as? String == chosenID)
        let headers = try #require(try JSONSerialization.jsonObject(with: replay.standardOutput) as? [String: Any])[
            "headers"]
        #expect((headers as? [String: String])?["Idempotent-Replayed"] == "true")

        #expect(try Self.orderFiles(in: data) == ["\(chosenID).json"])
        #expect(try await Self.eventCount(of: chosenID, environment: environment) == 1)
    }

    @Test("the same key with another body is refused while the first is recorded")
    func reuse() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]
        let create = Paths.binaries.appendingPathComponent("create-order")
        var other = Self.body
        other["id"] = "OTHER-1"
        let first = try Events.response(
            try await FunctionProcess.run(
                create, input: try Self.createEvent(key: "k-1").event, environment: environment))
        let second = try Events.response(
            try await FunctionProcess.run(
                create, input: try Self.createEvent(key: "k-1", body: other).event, environment: environment))
        #expect(first.statusCode == 201)
        #expect(second.statusCode == 422)
        #expect(second.body["code"] as? String == "idempotency_key_reused")
        #expect(try Self.orderFiles(in: data).count == 1)
    }

    @Test("a key past its time to live is forgotten: the same key makes a new order")
    func expiry() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path, "ORDER_IDEMPOTENCY_TTL_SECONDS": "1"]
        let create = Paths.binaries.appendingPathComponent("create-order")
        let event = try Self.createEvent(key: "short-lived").event
        let first = try Events.response(try await FunctionProcess.run(create, input: event, environment: environment))
        try await Task.sleep(for: .milliseconds(1100))
        let second = try Events.response(try await FunctionProcess.run(create, input: event, environment: environment))
        #expect(first.statusCode == 201 && second.statusCode == 201)
        #expect(first.body["id"] as? String != second.body["id"] as? String)
    }
}
