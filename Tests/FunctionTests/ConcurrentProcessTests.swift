import Foundation
import Testing

/// Many handler processes writing one order at once, as parallel requests would.
@Suite("Concurrent processes")
struct ConcurrentProcessTests {
    static let statuses = ["confirmed", "sent_to_warehouse", "shipped", "in_transit", "delivered"]

    @Test("16 processes updating one order lose no update and leave a consistent document")
    func racingUpdates() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]

        let created = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("create-order"), input: try Events.createOrder(id: "RACE-1"),
            environment: environment)
        #expect(try Events.response(created).statusCode == 201)

        var answers: [Events.Response] = []
        for round in 0..<6 {
            // Each round starts 16 processes at once, each asking for a status of the flow.
            let running = try (0..<16).map { index in
                let status = Self.statuses[(index + round) % Self.statuses.count]
                return try FunctionProcess.start(
                    Paths.binaries.appendingPathComponent("update-order-status"),
                    input: try Events.updateStatus(id: "RACE-1", status: status), environment: environment)
            }
            for process in running {
                let result = try await process.wait()
                #expect(result.exitCode == 0, "stderr: \(result.standardError)")
                answers.append(try Events.response(result))
            }
        }

        #expect(answers.allSatisfy { $0.statusCode == 200 || $0.statusCode == 409 }, "\(answers.map(\.statusCode))")
        let successes = answers.filter { $0.statusCode == 200 }
        // A real change is the one answer that produced its version; a lost update would show as two answers
        // claiming the same version with different change times.
        var changeTimes: [Int: Set<String>] = [:]
        for answer in successes {
            changeTimes[answer.version, default: []].insert(answer.updatedAt)
        }
        #expect(changeTimes.values.allSatisfy { $0.count == 1 }, "\(changeTimes)")

        let final = try Events.response(
            await FunctionProcess.run(
                Paths.binaries.appendingPathComponent("get-order"), input: try Events.getOrder(id: "RACE-1"),
                environment: environment))
        #expect(final.version == 1 + changeTimes.keys.filter { $0 > 1 }.count)
        #expect(final.version == 6)
        #expect(final.history == ["pending_confirmation"] + Self.statuses)

        // Every file in the data directory is a whole document or a lock; no temp file is left.
        let orders = data.appendingPathComponent("orders")
        for bucket in try FileManager.default.contentsOfDirectory(atPath: orders.path) {
            for name in try FileManager.default.contentsOfDirectory(atPath: orders.appendingPathComponent(bucket).path)
            {
                #expect(name.hasSuffix(".json") || name.hasSuffix(".lock"), "unexpected file \(name)")
                if name.hasSuffix(".json") {
                    let bytes = try Data(contentsOf: orders.appendingPathComponent(bucket).appendingPathComponent(name))
                    #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: bytes) }
                }
            }
        }
    }
}

/// Small API Gateway events for tests that build them in code.
enum Events {
    struct Response {
        var statusCode: Int
        var headers: [String: String] = [:]
        var body: [String: Any]
        var version: Int { body["version"] as? Int ?? 0 }
        var status: String { body["status"] as? String ?? "" }
        /// The `code` of an error envelope.
        var errorCode: String? { body["code"] as? String }
        var updatedAt: String { body["updated_at"] as? String ?? "" }
        var history: [String] {
            (body["status_history"] as? [[String: Any]])?.compactMap { $0["status"] as? String } ?? []
        }
    }

    static func response(_ result: FunctionProcess.Result) throws -> Response {
        try #require(completeResponse(result.standardOutput), "not a proxy response: \(result.standardError)")
    }

    /// The proxy response in `output`, or `nil` unless it holds a whole one whose body is JSON (a process killed
    /// while writing leaves a part).
    static func completeResponse(_ output: Data) -> Response? {
        guard let json = (try? JSONSerialization.jsonObject(with: output)) as? [String: Any],
            let statusCode = json["statusCode"] as? Int,
            let body = try? JSONSerialization.jsonObject(with: Data((json["body"] as? String ?? "{}").utf8))
        else { return nil }
        return Response(
            statusCode: statusCode, headers: json["headers"] as? [String: String] ?? [:],
            body: body as? [String: Any] ?? [:])
    }

    /// `POST /order` of a one-line order in Madrid, with `extra` fields (a `customer`, …) added to its body.
    static func createOrder(id: String, extra: [String: Any] = [:]) throws -> Data {
        let address: [String: Any] = ["line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"]
        let body: [String: Any] = [
            "id": id, "order_lines": [["sku": "SKU-1", "price": 10, "quantity": 1]],
            "shipping_address": address, "billing_address": address,
        ].merging(extra) { $1 }
        return try event(method: "POST", path: "/order", pathParameters: [:], body: body)
    }

    static func cancelOrder(id: String, reason: String) throws -> Data {
        try event(method: "POST", path: "/order/\(id)/cancel", pathParameters: ["id": id], body: ["reason": reason])
    }

    static func updateStatus(id: String, status: String) throws -> Data {
        try event(method: "PUT", path: "/order/\(id)/status", pathParameters: ["id": id], body: ["status": status])
    }

    static func getOrder(id: String) throws -> Data {
        try event(method: "GET", path: "/order/\(id)", pathParameters: ["id": id], body: nil)
    }

    static func event(method: String, path: String, pathParameters: [String: String], body: [String: Any]?) throws
        -> Data
    {
        var event: [String: Any] = [
            "version": "2.0", "rawPath": path, "rawQueryString": "", "pathParameters": pathParameters,
            "headers": ["content-type": "application/json"], "isBase64Encoded": false,
            "requestContext": ["requestId": UUID().uuidString, "http": ["method": method, "path": path]],
        ]
        if let body {
            event["body"] = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        }
        return try JSONSerialization.data(withJSONObject: event)
    }
}
