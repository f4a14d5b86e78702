import Foundation
import Testing

/// `list-orders` and `reindex` as processes, against the same data directory as the writers.
@Suite("Listing across processes")
struct ListingProcessTests {
    static func list(_ query: [String: String], environment: [String: String]) async throws -> (
        ids: [String], cursor: String?
    ) {
        var event =
            try JSONSerialization.jsonObject(
                with: Events.event(method: "GET", path: "/orders", pathParameters: [:], body: nil)) as? [String: Any]
            ?? [:]
        event["queryStringParameters"] = query
        let result = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("list-orders"),
            input: try JSONSerialization.data(withJSONObject: event),
            environment: environment)
        let response = try Events.response(result)
        #expect(response.statusCode == 200, "\(response.body)")
        let orders = response.body["orders"] as? [[String: Any]] ?? []
        return (orders.compactMap { $0["id"] as? String }, response.body["next_cursor"] as? String)
    }

    @Test("orders created between pages: none of those there from the start is skipped or repeated")
    func pagesWhileCreating() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]
        let create = Paths.binaries.appendingPathComponent("create-order")
        var original: [String] = []
        for index in 0..<12 {
            let result = try await FunctionProcess.run(
                create, input: try Events.createOrder(id: "P-\(index)"), environment: environment)
            #expect(try Events.response(result).statusCode == 201)
            original.append("P-\(index)")
        }

        var seen: [String] = []
        var cursor: String?
        var page = 0
        repeat {
            var query = ["limit": "5", "shipping_city": "madrid"]
            if let cursor { query["cursor"] = cursor }
            let answer = try await Self.list(query, environment: environment)
            seen += answer.ids
            cursor = answer.cursor
            // Between the first pages, more orders arrive, before and after the cursor's place in time.
            for extra in 0..<(page < 3 ? 3 : 0) {
                _ = try await FunctionProcess.run(
                    create, input: try Events.createOrder(id: "N-\(page)-\(extra)"), environment: environment)
            }
            page += 1
        } while cursor != nil && page < 50

        #expect(Set(seen).count == seen.count, "repeated: \(seen)")
        #expect(Array(seen.prefix(original.count)) == original)
    }

    @Test("reindex run by hand restores deleted index entries")
    func reindexCommand() async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let environment = ["ORDER_DATA_DIR": data.path]
        for index in 0..<3 {
            _ = try await FunctionProcess.run(
                Paths.binaries.appendingPathComponent("create-order"), input: try Events.createOrder(id: "R-\(index)"),
                environment: environment)
        }
        // Once checkpointed (by dispatch-events), the entries are in the segments alone.
        _ = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("dispatch-events"), input: Data("{}".utf8), environment: environment)
        try FileManager.default.removeItem(at: data.appendingPathComponent("index"))
        #expect(try await Self.list([:], environment: environment).ids == [])

        let result = try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent("reindex"), input: Data("{}".utf8), environment: environment)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let report = try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any]
        #expect(report?["orders"] as? Int == 3)
        #expect(report?["entries_added"] as? Int == 12)
        #expect(try await Self.list([:], environment: environment).ids == ["R-0", "R-1", "R-2"])
    }
}
