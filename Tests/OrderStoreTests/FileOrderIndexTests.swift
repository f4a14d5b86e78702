import Foundation
import OrderDomain
import OrderStore
import Testing
import Timestamps

/// The file store's indexes: hints checked against documents, repaired by reindex.
@Suite("File store indexes")
struct FileOrderIndexTests {
    static let cities = [("Madrid", "ES"), ("Paris", "FR"), ("Lyon", "FR"), ("Porto", "PT")]

    /// 40 orders over 20 days, in four cities, at several statuses.
    static func seed(_ store: FileOrderStore) throws {
        for index in 0..<40 {
            let (city, country) = cities[index % cities.count]
            try store.create(
                ListingContractTests.document("X-\(index)", city: city, country: country, minutes: Int64(index * 733)))
            for _ in 0..<(index % 4) {
                _ = try store.update(OrderID("X-\(index)")!) { document in
                    if let next = document.order.status.next { try document.advance(to: next, at: Fixtures.time) }
                }
            }
        }
    }

    static let filters: [OrderFilter] = [
        OrderFilter(), OrderFilter(status: .pendingConfirmation), OrderFilter(status: .confirmed),
        OrderFilter(status: .shipped), OrderFilter(shippingCity: "paris"), OrderFilter(shippingCountry: "FR"),
        OrderFilter(status: .sentToWarehouse, shippingCountry: "fr"),
        OrderFilter(createdFrom: Fixtures.time.adding(milliseconds: 5 * 86_400_000)),
    ]

    static func listings(_ store: FileOrderStore) throws -> [[String]] {
        try filters.map { try ListingContractTests.walk(store, $0, limit: 3) }
    }

    static func files(under directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(directory)/\(path)", isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append(path)
            }
        }
        return files.sorted()
    }

    @Test("entries live at index/<key>/<day>/<created ms>_<id>, one per key, and follow status changes")
    func layout() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        var document = ListingContractTests.document("ORD-1", city: "São Paulo", country: "BR")
        try store.create(document)
        #expect(
            Self.files(under: "\(root)/index") == [
                "all/2026-11-25/1795599000000_ORD-1", "city=s%C3%A3o%20paulo/2026-11-25/1795599000000_ORD-1",
                "country=br/2026-11-25/1795599000000_ORD-1",
                "status=pending_confirmation/2026-11-25/1795599000000_ORD-1",
            ])
        try document.advance(to: .confirmed, at: Fixtures.time)
        _ = try store.update(OrderID("ORD-1")!) { try $0.advance(to: .confirmed, at: Fixtures.time) }
        #expect(Self.files(under: "\(root)/index").contains("status=confirmed/2026-11-25/1795599000000_ORD-1"))
        #expect(!Self.files(under: "\(root)/index").contains { $0.hasPrefix("status=pending_confirmation") })
    }

    @Test("stale and garbage entries never show in a listing, and reindex restores deleted ones")
    func corruptionAndReindex() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try Self.seed(store)
        let expected = try Self.listings(store)
        let index = "\(root)/index"
        let fileManager = FileManager.default
        let all = Self.files(under: index)

        // Stale entries, as a crash would leave them: an order's entry under a status it does not have, an entry
        // for an order whose create never committed. And garbage: a name in the wrong form, a duplicate in another
        // form, an entry in the wrong day, a file where a day directory belongs.
        let confirmed = try #require(Self.files(under: index).first { $0.hasPrefix("status=confirmed/") })
        let stale = confirmed.replacingOccurrences(of: "status=confirmed", with: "status=delivered")
        try fileManager.createDirectory(
            atPath: "\(index)/\((stale as NSString).deletingLastPathComponent)", withIntermediateDirectories: true)
        _ = fileManager.createFile(atPath: "\(index)/\(stale)", contents: nil)
        let day = (confirmed as NSString).deletingLastPathComponent.components(separatedBy: "/")[1]
        for name in ["1795599000000_GHOST", "garbage", "1795599000000_X-0 copy", "01795599000000_X-0", "1_X-1"] {
            _ = fileManager.createFile(atPath: "\(index)/all/\(day)/\(name)", contents: nil)
        }
        try fileManager.createDirectory(atPath: "\(index)/all/2026-01-01", withIntermediateDirectories: true)
        _ = fileManager.createFile(atPath: "\(index)/all/2026-01-01/1795599000000_X-0", contents: nil)
        _ = fileManager.createFile(atPath: "\(index)/city=paris/not-a-day", contents: Data("x".utf8))
        #expect(try Self.listings(store) == expected)

        // Deleted entries make orders invisible until reindex; what is listed is still right and in order.
        for (number, path) in all.enumerated() where number % 3 == 0 {
            try fileManager.removeItem(atPath: "\(index)/\(path)")
        }
        for (listing, full) in zip(try Self.listings(store), expected) {
            #expect(listing == full.filter(listing.contains))
        }

        // Stale entries that listings have not met yet, and entries that listings already removed.
        _ = fileManager.createFile(atPath: "\(index)/\(stale)", contents: nil)
        let report = try store.reindex()
        #expect(report.orders == 40)
        #expect(report.entriesAdded == (all.count + 2) / 3)
        #expect(report.entriesRemoved >= 2)
        #expect(try Self.listings(store) == expected)
        #expect(!fileManager.fileExists(atPath: "\(index)/\(stale)"))
        #expect(Self.files(under: index).count == 40 * 4)

        // A second run finds nothing to do.
        let again = try store.reindex()
        #expect(again.entriesAdded == 0 && again.entriesRemoved == 0)
    }

    @Test("reindex builds every index from the documents alone")
    func reindexFromNothing() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try Self.seed(store)
        let expected = try Self.listings(store)
        try FileManager.default.removeItem(atPath: "\(root)/index")
        #expect(try Self.listings(store).allSatisfy(\.isEmpty))
        let report = try store.reindex()
        #expect(report.entriesAdded == 160)
        #expect(try Self.listings(store) == expected)
    }

    @Test("a page reads only the day directories it needs")
    func pageTouchesFewDays() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try Self.seed(store)
        // Put files where the later days' directories were: a page that read them would fail.
        let days = try FileManager.default.contentsOfDirectory(atPath: "\(root)/index/all").sorted()
        for day in days.dropFirst(2) {
            try FileManager.default.removeItem(atPath: "\(root)/index/all/\(day)")
            _ = FileManager.default.createFile(atPath: "\(root)/index/all/\(day)", contents: nil)
        }
        let page = try store.list(OrderFilter(), after: nil, limit: 2)
        #expect(ListingContractTests.ids(page) == ["X-0", "X-1"])
        #expect(page.next != nil)
        #expect(throws: StoreError.self) { try ListingContractTests.walk(store, OrderFilter(), limit: 2) }
    }

    @Test("reindex keeps listings as they were")
    func reindexKeepsListings() throws {
        let store = try FileOrderStore(root: TemporaryDirectory.make())
        for index in 0..<5 { try store.create(ListingContractTests.document("R-\(index)", minutes: Int64(index))) }
        let report = try store.reindex()
        #expect(report.orders == 5)
        #expect(report.entriesRemoved == 0)
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 2) == (0..<5).map { "R-\($0)" })
    }
}
