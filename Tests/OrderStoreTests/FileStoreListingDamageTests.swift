import Foundation
import OrderDomain
import OrderStore
import Testing

/// Listings that meet documents they cannot list, and pages of large documents: the walk always goes on.
@Suite("File store listings past damage")
struct FileStoreListingDamageTests {
    let damage: FileStoreHardeningTests

    init() throws {
        damage = try FileStoreHardeningTests()
    }

    var store: FileOrderStore { damage.store }

    func documentPath(_ id: String) -> String { damage.documentPath(id) }

    @Test("a listing skips an unreadable document, names it, and goes on past it")
    func listingSkipsUnreadable() throws {
        for id in ["L-1", "L-2", "L-3"] {
            try store.create(Fixtures.document(id: id))
        }
        try store.checkpoint()
        try Data("{\"schema_version\":1,\"order\":{\"id\":".utf8).write(to: URL(fileURLWithPath: documentPath("L-2")))

        let page = try store.list(OrderFilter(), after: nil, limit: 10)
        #expect(page.documents.map(\.order.id.rawValue) == ["L-1", "L-3"])
        #expect(page.skipped.map(\.position.id.rawValue) == ["L-2"])
        #expect(page.skipped.first?.reason == .unreadable)
        #expect(page.skipped.first?.error.contains(documentPath("L-2")) == true)
        #expect(page.next == nil)

        // A skipped order counts towards the limit, and the cursor goes past it.
        let first = try store.list(OrderFilter(), after: nil, limit: 2)
        #expect(first.documents.map(\.order.id.rawValue) == ["L-1"])
        #expect(first.skipped.map(\.position.id.rawValue) == ["L-2"])
        let second = try store.list(OrderFilter(), after: try #require(first.next), limit: 2)
        #expect(second.documents.map(\.order.id.rawValue) == ["L-3"])
        #expect(second.skipped.isEmpty && second.next == nil)
    }

    @Test("a listing skips a document that holds another order")
    func listingSkipsMisplaced() throws {
        try store.create(Fixtures.document(id: "a1"))
        _ = try damage.plantDocument(claiming: "a1", at: "e2")
        let page = try store.list(OrderFilter(), after: nil, limit: 10)
        #expect(page.documents.map(\.order.id.rawValue) == ["a1"])
        #expect(page.skipped.map(\.position.id.rawValue) == ["e2"])
    }

    @Test("a page stops early, with its next position, once the documents it read pass the read budget")
    func pageReadBudget() throws {
        // Each document over 1 MiB: a page reads four, then stops before a fifth.
        let sku = String(repeating: "S", count: 1100)
        for index in 0..<6 {
            var document = Fixtures.document(id: "B-\(index)", sku: sku)
            document = OrderDocument(
                newOrder: Order(
                    draft: OrderDraft(
                        id: nil,
                        orderLines: Array(repeating: document.order.orderLines[0], count: 1000),
                        shippingAddress: document.order.shippingAddress, billingAddress: document.order.billingAddress),
                    id: document.order.id, at: Fixtures.time))
            try store.create(document)
        }
        var seen: [String] = []
        var next: OrderListPosition?
        var pages = 0
        repeat {
            let page = try store.list(OrderFilter(), after: next, limit: 50)
            #expect(page.documents.count <= 4)
            seen += page.documents.map(\.order.id.rawValue)
            next = page.next
            pages += 1
        } while next != nil && pages < 10
        #expect(seen == (0..<6).map { "B-\($0)" })
        #expect(pages >= 2)
    }

}
