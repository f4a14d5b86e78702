import Foundation
import OrderDomain
import OrderStore
import SampleOrders
import Testing
import Timestamps

/// The stored form of an order document: what earlier releases wrote reads as it did, and is written back byte for
/// byte, so that a rewrite without a change is visible as none.
@Suite("Order document JSON")
struct OrderDocumentJSONTests {
    /// The order documents of a data directory in `fixtures/data-directories/`.
    static func documents(of release: String) throws -> [(name: String, bytes: [UInt8])] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/data-directories/\(release)/data/orders")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
        return try files.map { ($0.lastPathComponent, Array(try Data(contentsOf: $0))) }.sorted { $0.name < $1.name }
    }

    @Test(
        "every schema 2 document of an earlier release is written back byte for byte",
        arguments: ["schema-2", "schema-2-delivered-events"])
    func schema2RoundTrip(release: String) throws {
        let documents = try Self.documents(of: release)
        #expect(documents.count >= 10)
        for (name, bytes) in documents {
            let document = try OrderDocument(stored: bytes, defaultCurrency: .euro)
            #expect(document.encoded() == bytes, "\(name)")
        }
    }

    @Test("a schema 1 document reads in the default currency and is written at schema 2 with all it had")
    func schema1() throws {
        let documents = try Self.documents(of: "schema-1")
        #expect(!documents.isEmpty)
        let yen = try #require(Currency(code: "JPY"))
        for (name, bytes) in documents {
            let document = try OrderDocument(stored: bytes, defaultCurrency: yen)
            #expect(document.order.currency == yen, "\(name)")
            let written = document.encoded()
            #expect(String(decoding: written, as: UTF8.self).contains(#""schema_version":2"#))
            #expect(try OrderDocument(stored: written, defaultCurrency: .euro) == document, "\(name)")
        }
    }

    @Test("an order with every optional part, and text that needs escaping, reads back as it was written")
    func everyField() throws {
        let created = Timestamp(millisecondsSinceEpoch: 1_795_599_000_000)
        var document = OrderDocument(
            newOrder: SampleOrders.order(OrderID("ORD-1")!, at: created), idempotencyKey: nil)
        try document.advance(to: .confirmed, at: created.adding(milliseconds: 1), by: "alice \"a\"\n\u{8}\u{C}/é")
        try document.cancel(.customerRequest, note: "twice\t", at: created.adding(milliseconds: 2), by: nil)
        let written = document.encoded()
        #expect(try OrderDocument(stored: written, defaultCurrency: .euro) == document)
        let text = String(decoding: written, as: UTF8.self)
        #expect(text.contains(#""actor":"alice \"a\"\n\b\f/é""#))
        #expect(text.contains(#""cancellation":{"cancelled_at":"#))
    }

    @Test(
        "a document that is not one says which field is wrong",
        arguments: [
            (#"{"schema_version":2}"#, "order: is missing"),
            (#"{"schema_version":"2"}"#, "schema_version: expected an integer, found a string"),
            (#"{"schema_version":2,"order":[]}"#, "order: expected an object, found an array"),
            ("[", "it is not JSON (at byte 1)"),
        ])
    func unreadable(text: String, problem: String) {
        let error = #expect(throws: OrderDocument.Unreadable.self) {
            try OrderDocument(stored: Array(text.utf8), defaultCurrency: .euro)
        }
        #expect(error?.description == problem)
    }

    @Test("a document of a newer schema is refused as such")
    func newerSchema() {
        let error = #expect(throws: OrderDocument.Unreadable.self) {
            try OrderDocument(stored: Array(#"{"schema_version":3,"order":{}}"#.utf8), defaultCurrency: .euro)
        }
        guard case .unsupportedSchema(3)? = error else {
            Issue.record("expected unsupportedSchema(3), got \(String(describing: error))")
            return
        }
    }
}
