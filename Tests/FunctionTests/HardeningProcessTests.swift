import Foundation
import Testing

/// Hostile and faulty inputs, through the real executables: large orders against the listing's answer size,
/// tampered documents, a file in place of a bucket, huge values that must not be echoed or logged whole.
@Suite("Hostile input across processes")
struct HardeningProcessTests {
    let data: URL
    var environment: [String: String] { ["ORDER_DATA_DIR": data.path] }

    init() throws {
        data = try Paths.temporaryDirectory()
    }

    func run(_ function: String, _ input: Data) async throws -> FunctionProcess.Result {
        try await FunctionProcess.run(
            Paths.binaries.appendingPathComponent(function), input: input, environment: environment)
    }

    func listEvent(_ query: [String: String]) throws -> Data {
        var event =
            try JSONSerialization.jsonObject(
                with: Events.event(method: "GET", path: "/orders", pathParameters: [:], body: nil)) as? [String: Any]
            ?? [:]
        event["queryStringParameters"] = query
        return try JSONSerialization.data(withJSONObject: event)
    }

    /// The document of an order, found by name under `orders/`.
    /// The file of order `id`'s document, once `dispatch-events` has checkpointed the journals into the files.
    func documentURL(_ id: String) async throws -> URL {
        #expect(try await run("dispatch-events", Data("{}".utf8)).exitCode == 0)
        let orders = data.appendingPathComponent("orders")
        for bucket in try FileManager.default.contentsOfDirectory(atPath: orders.path) {
            let url = orders.appendingPathComponent(bucket).appendingPathComponent("\(id).json")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw CocoaError(.fileNoSuchFile)
    }

    @Test("orders as large as the service accepts never make a page larger than a function may answer")
    func largeOrdersListInPages() async throws {
        // 1,000 lines whose skus are 64 quotes: about 0.3 MB of body each, twice that once written into the proxy
        // response, where every quote is escaped again. 16 of them are far past Lambda's 6 MB on one page.
        let line: [String: Any] = ["sku": String(repeating: "\"", count: 64), "price": 1, "quantity": 1]
        let address: [String: Any] = ["line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"]
        var ids: [String] = []
        for index in 0..<16 {
            let body: [String: Any] = [
                "id": "BIG-\(index)", "order_lines": Array(repeating: line, count: 1000),
                "shipping_address": address, "billing_address": address,
            ]
            let result = try await run(
                "create-order", try Events.event(method: "POST", path: "/order", pathParameters: [:], body: body))
            #expect(try Events.response(result).statusCode == 201, "\(result.standardError)")
            ids.append("BIG-\(index)")
        }

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            var query = ["limit": "500"]
            if let cursor { query["cursor"] = cursor }
            let result = try await run("list-orders", try listEvent(query))
            #expect(result.standardOutput.count < 6_000_000, "a proxy response of \(result.standardOutput.count) bytes")
            let response = try Events.response(result)
            #expect(response.statusCode == 200)
            seen += (response.body["orders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = response.body["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 20
        #expect(seen == ids)
        #expect(pages > 1)
    }

    @Test("a document that claims another order's id is refused by reads and updates, and skipped by listings")
    func documentClaimingAnotherID() async throws {
        for id in ["a1", "e2", "f3"] {
            #expect(
                try Events.response(try await run("create-order", try Events.createOrder(id: id))).statusCode == 201)
        }
        let url = try await documentURL("e2")
        let planted = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(
            of: "\"id\":\"e2\"", with: "\"id\":\"a1\"")
        try planted.write(to: url, atomically: false, encoding: .utf8)

        #expect(try Events.response(try await run("get-order", try Events.getOrder(id: "e2"))).statusCode == 500)
        let update = try await run("update-order-status", try Events.updateStatus(id: "e2", status: "confirmed"))
        #expect(try Events.response(update).statusCode == 500)
        #expect(try String(contentsOf: url, encoding: .utf8) == planted, "never rewritten")

        let list = try await run("list-orders", try listEvent([:]))
        let page = try Events.response(list)
        #expect(page.statusCode == 200)
        #expect((page.body["orders"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["a1", "f3"])
        let skipped = page.body["skipped_orders"] as? [[String: Any]]
        #expect(skipped?.map { $0["id"] as? String } == ["e2"])
        #expect(skipped?.first?["reason"] as? String == "unreadable")
        #expect(list.standardError.contains("order_skipped") && list.standardError.contains(url.lastPathComponent))
    }

    @Test("an unparseable document does not stop a listing: every page walks past it")
    func unparseableDocumentInListing() async throws {
        for index in 0..<5 {
            _ = try await run("create-order", try Events.createOrder(id: "U-\(index)"))
        }
        let url = try await documentURL("U-1")
        try Data("{\"schema_version\":1,\"order\":".utf8).write(to: url)
        var seen: [String] = []
        var skipped: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            var query = ["limit": "2"]
            if let cursor { query["cursor"] = cursor }
            let page = try Events.response(try await run("list-orders", try listEvent(query)))
            #expect(page.statusCode == 200)
            seen += (page.body["orders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            skipped += (page.body["skipped_orders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = page.body["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == ["U-0", "U-2", "U-3", "U-4"])
        #expect(skipped == ["U-1"])
        #expect(try Events.response(try await run("get-order", try Events.getOrder(id: "U-1"))).statusCode == 500)
    }

    @Test("a file in place of an order's bucket is a 500 for an update, as for a read, never order_not_found")
    func fileInPlaceOfBucket() async throws {
        #expect(try Events.response(try await run("create-order", try Events.createOrder(id: "B-1"))).statusCode == 201)
        let bucket = try await documentURL("B-1").deletingLastPathComponent()
        try FileManager.default.removeItem(at: bucket)
        try Data("not a directory".utf8).write(to: bucket)

        #expect(try Events.response(try await run("get-order", try Events.getOrder(id: "B-1"))).statusCode == 500)
        let update = try Events.response(
            try await run("update-order-status", try Events.updateStatus(id: "B-1", status: "confirmed")))
        #expect(update.statusCode == 500, "\(update.body)")
    }

    @Test("a huge path is logged as a short prefix")
    func hugePathLogged() async throws {
        let path = "/order/" + String(repeating: "x", count: 79_000)
        let result = try await run(
            "get-order", try Events.event(method: "GET", path: path, pathParameters: ["id": "x"], body: nil))
        #expect(try Events.response(result).statusCode == 404)
        #expect(result.standardError.utf8.count < 2_000, "a log of \(result.standardError.utf8.count) bytes")
    }
}
