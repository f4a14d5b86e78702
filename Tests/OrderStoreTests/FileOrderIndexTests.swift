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

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// The lines of every file under `directory`, by file.
    static func lines(under directory: String) -> [String: [String]] {
        Dictionary(
            uniqueKeysWithValues: files(under: directory).map { file in
                (file, read("\(directory)/\(file)").split(separator: "\n").map(String.init))
            })
    }

    @Test("entries are records of index/<key>/<day>.log, journaled first, and follow status changes")
    func layout() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(ListingContractTests.document("ORD-1", city: "São Paulo", country: "BR"))
        // The write's document, entries and outbox hint are in a journal, each a line that ends with its CRC-32; the
        // segments are written by a checkpoint.
        #expect(Self.files(under: "\(root)/index").isEmpty)
        let journal = Self.lines(under: "\(root)/journal").values.flatMap { $0 }.map {
            String($0.split(separator: "\t")[0])
        }
        #expect(journal.first?.hasPrefix(#"d ORD-1 1 {"events":["#) == true)
        #expect(
            Set(journal.dropFirst()) == [
                "+ all 2026-11-25 1795599000000_ORD-1", "+ city=s%C3%A3o%20paulo 2026-11-25 1795599000000_ORD-1",
                "+ country=br 2026-11-25 1795599000000_ORD-1",
                "+ status=pending_confirmation 2026-11-25 1795599000000_ORD-1", "o ORD-1",
            ])
        #expect(try ListingContractTests.walk(store, OrderFilter(shippingCity: "SÃO PAULO"), limit: 5) == ["ORD-1"])
        try store.checkpoint()
        let segments = [
            "all/2026-11-25.log", "city=s%C3%A3o%20paulo/2026-11-25.log", "country=br/2026-11-25.log",
            "status=pending_confirmation/2026-11-25.log",
        ]
        #expect(Self.files(under: "\(root)/index") == segments)
        #expect(try ListingContractTests.walk(store, OrderFilter(shippingCity: "SÃO PAULO"), limit: 5) == ["ORD-1"])

        _ = try store.update(OrderID("ORD-1")!) { try $0.advance(to: .confirmed, at: Fixtures.time) }
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 5).isEmpty)
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .confirmed), limit: 5) == ["ORD-1"])

        // Reindex moves the journal into the segments, compacted: one record per entry, none for the old status.
        _ = try store.reindex()
        let lines = Self.lines(under: "\(root)/index")
        #expect(lines["status=confirmed/2026-11-25.log"]?.map { $0.prefix(20) } == ["+1795599000000_ORD-1"])
        #expect(lines["status=pending_confirmation/2026-11-25.log"] == [])
        #expect(
            lines["all/2026-11-25.log"]?.first?.range(
                of: #"^\+1795599000000_ORD-1\t[0-9a-f]{8}$"#, options: .regularExpression) != nil)
        #expect(Self.lines(under: "\(root)/journal").values.allSatisfy { $0.isEmpty })
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .confirmed), limit: 5) == ["ORD-1"])
    }

    @Test("stale, torn and garbage records never show in a listing, and reindex restores deleted segments")
    func corruptionAndReindex() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try Self.seed(store)
        _ = try store.reindex()
        let expected = try Self.listings(store)
        let index = "\(root)/index"
        let fileManager = FileManager.default
        let segments = Self.files(under: index)
        func append(_ text: String, to segment: String) throws {
            let handle = try #require(FileHandle(forWritingAtPath: "\(index)/\(segment)"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        // Stale records, as a crash would leave them: an order's entry under a status it does not have (a whole,
        // checksummed line copied from another segment), an entry in the wrong day's segment. And damage: a line
        // whose checksum does not match, garbage, a torn line at the end, a file where a segment belongs.
        let confirmed = try #require(segments.first { $0.hasPrefix("status=confirmed/") })
        let record = try #require(Self.read("\(index)/\(confirmed)").split(separator: "\n").first)
        let delivered = try #require(segments.first { $0.hasPrefix("status=shipped/") })
        try append("\(record)\n", to: delivered)
        let otherDay = try #require(
            segments.first {
                $0.hasPrefix("all/") && !Self.read("\(index)/\($0)").contains(record.dropFirst().prefix(20))
            })
        try append("\(record)\n", to: otherDay)
        let tampered = record.replacingOccurrences(of: "+", with: "-")
        let all = try #require(segments.first { $0.hasPrefix("all/") })
        try append("\(tampered)\ngarbage\n+1795599000000_GHOST\tdeadbeef\n+1795599000000_X-", to: all)
        _ = fileManager.createFile(atPath: "\(index)/city=paris/not-a-day", contents: Data("x".utf8))
        #expect(try Self.listings(store) == expected)

        // A write after a torn line starts a new one: its record is never lost in the torn one.
        try store.create(ListingContractTests.document("X-40", minutes: 0))
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 50).contains("X-40"))
        _ = try store.reindex()
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 50).contains("X-40"))

        // Deleted segments make orders invisible until reindex; what is listed is still right and in order.
        let removed = segments.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        var removedEntries = 0
        for segment in removed {
            removedEntries += Self.read("\(index)/\(segment)").split(separator: "\n").count
            try fileManager.removeItem(atPath: "\(index)/\(segment)")
        }
        let walked = try Self.listings(store)
        for (listing, full) in zip(walked, expected) {
            #expect(listing.filter { $0 != "X-40" } == full.filter(listing.contains))
        }
        let report = try store.reindex()
        #expect(report.orders == 41)
        #expect(report.entriesAdded == removedEntries)
        #expect(report.entriesMigrated == 0)
        #expect(!fileManager.fileExists(atPath: "\(index)/city=paris/not-a-day"))
        for (listing, full) in zip(try Self.listings(store), expected) {
            #expect(listing.filter { $0 != "X-40" } == full)
        }
        // Compacted: one record per entry, each true of its order.
        #expect(Self.lines(under: index).values.map(\.count).reduce(0, +) == 41 * 4)

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
        try store.checkpoint()
        try FileManager.default.removeItem(atPath: "\(root)/index")
        #expect(try Self.listings(store).allSatisfy(\.isEmpty))
        let report = try store.reindex()
        #expect(report.entriesAdded == 160)
        #expect(try Self.listings(store) == expected)
    }

    @Test("a page reads only the segments it needs")
    func pageTouchesFewDays() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try Self.seed(store)
        try store.checkpoint()
        // Put directories where the later days' segments were: a page that read them would fail.
        let segments = try FileManager.default.contentsOfDirectory(atPath: "\(root)/index/all").sorted()
        for segment in segments.dropFirst(2) {
            try FileManager.default.removeItem(atPath: "\(root)/index/all/\(segment)")
            try FileManager.default.createDirectory(
                atPath: "\(root)/index/all/\(segment)", withIntermediateDirectories: false)
        }
        let page = try store.list(OrderFilter(), after: nil, limit: 2)
        #expect(ListingContractTests.ids(page) == ["X-0", "X-1"])
        #expect(page.next != nil)
        #expect(throws: StoreError.self) { try ListingContractTests.walk(store, OrderFilter(), limit: 2) }
    }

    @Test("the entry files of an earlier release are listed, kept true, and moved into segments by reindex")
    func legacyEntryFiles() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        for index in 0..<3 { try store.create(ListingContractTests.document("L-\(index)", minutes: Int64(index))) }
        _ = try store.reindex()
        // As an earlier release left them: a file per entry, in a directory per day, and no segment.
        let index = "\(root)/index"
        for segment in Self.files(under: index) where segment.hasPrefix("all/") || segment.hasPrefix("status=") {
            let day = String(segment.dropLast(4))
            try FileManager.default.removeItem(atPath: "\(index)/\(segment)")
            try FileManager.default.createDirectory(atPath: "\(index)/\(day)", withIntermediateDirectories: false)
            for name in ["1795599000000_L-0", "1795599060000_L-1", "1795599120000_L-2"] {
                _ = FileManager.default.createFile(atPath: "\(index)/\(day)/\(name)", contents: nil)
            }
        }
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 2) == ["L-0", "L-1", "L-2"])
        _ = try store.update(OrderID("L-1")!) { try $0.advance(to: .confirmed, at: Fixtures.time) }
        #expect(
            !FileManager.default.fileExists(atPath: "\(index)/status=pending_confirmation/2026-11-25/1795599060000_L-1")
        )
        #expect(
            try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 2) == ["L-0", "L-2"])
        #expect(try ListingContractTests.walk(store, OrderFilter(status: .confirmed), limit: 2) == ["L-1"])

        let report = try store.reindex()
        #expect(report.entriesMigrated == 5 && report.entriesAdded == 0 && report.entriesRemoved == 0, "\(report)")
        #expect(Self.files(under: index).allSatisfy { $0.hasSuffix(".log") })
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 2) == ["L-0", "L-1", "L-2"])
        #expect(
            try ListingContractTests.walk(store, OrderFilter(status: .pendingConfirmation), limit: 2) == ["L-0", "L-2"])
    }

    @Test("an outbox hint a crash took from the disk is still named, from the journal, until it is cleared")
    func journaledHints() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(ListingContractTests.document("H-1"))
        try FileManager.default.removeItem(atPath: "\(root)/outbox/H-1")
        #expect(try store.ordersWithPendingEvents() == [OrderID("H-1")!])
        try store.update(OrderID("H-1")!) { document in
            for index in document.events.indices { document.events[index].delivery.state = .delivered }
        }
        try store.create(ListingContractTests.document("H-2"))
        try store.update(OrderID("H-2")!) { document in
            for index in document.events.indices { document.events[index].delivery.state = .delivered }
        }
        #expect(try store.ordersWithPendingEvents() == [OrderID("H-1")!], "a hint never created cannot be cleared")
    }

    @Test("a bulk import stores new orders with their entries, and leaves an order that exists as it was")
    func bulkImport() throws {
        let root = try TemporaryDirectory.make()
        let store = try FileOrderStore(root: root)
        try store.create(ListingContractTests.document("B-1", city: "Lyon", country: "FR"))
        let documents = (0..<4).map { ListingContractTests.document("B-\($0)", minutes: Int64($0) * 2000) }
        #expect(try store.importOrders(documents) == [OrderID("B-1")!])
        #expect(try store.get(OrderID("B-1")!)?.order.shippingAddress.city == "Lyon")
        #expect(try ListingContractTests.walk(store, OrderFilter(), limit: 3) == ["B-0", "B-1", "B-2", "B-3"])
        #expect(
            try ListingContractTests.walk(store, OrderFilter(shippingCity: "madrid"), limit: 3) == [
                "B-0", "B-2", "B-3",
            ])
        #expect(try store.ordersWithPendingEvents().count == 4)
        let report = try store.reindex()
        // The entries imported for the B-1 that was not written are stale; those the listings did not meet go now.
        #expect(report.entriesAdded == 0 && report.entriesRemoved > 0, "\(report)")
        #expect(try store.reindex().entriesRemoved == 0)
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
