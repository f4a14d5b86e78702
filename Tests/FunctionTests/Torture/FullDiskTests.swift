import Foundation
import Testing

/// The handlers with their data directory on a small tmpfs that fills up: a full disk gives clear errors, loses
/// nothing already stored, shows no half-written document, and the service works again once space is freed.
///
/// Needs root to mount the tmpfs; where mounting is not permitted, the test is skipped and says why.
@Suite("Full disk", .serialized)
struct FullDiskTests {
    /// What runs out: bytes for file contents, or inodes, which every new file, directory and lock needs.
    enum Exhaustion: String, CaseIterable, CustomTestStringConvertible {
        case space, inodes

        var testDescription: String { rawValue }

        var mountOptions: String {
            switch self {
            case .space: "size=1m"
            case .inodes: "size=8m,nr_inodes=2000"
            }
        }

        /// Takes all but a little of what runs out, with files in `filler` that can be deleted to free it.
        func fill(_ mount: TmpfsMount, filler: URL) throws {
            try FileManager.default.createDirectory(at: filler, withIntermediateDirectories: true)
            switch self {
            case .space:
                try Data(count: max(0, mount.freeBytes - 160 * 1024)).write(to: filler.appendingPathComponent("0"))
            case .inodes:
                for index in 0..<max(0, mount.freeInodes - 150) {
                    _ = FileManager.default.createFile(
                        atPath: filler.appendingPathComponent("\(index)").path, contents: nil)
                }
            }
        }
    }

    @Test(
        "a full disk answers 507 storage_full, keeps every stored order, and recovers", arguments: Exhaustion.allCases)
    func fullDisk(running out: Exhaustion) async throws {
        let mount: TmpfsMount
        do {
            mount = try TmpfsMount.mount(options: out.mountOptions)
        } catch let unavailable as TmpfsMount.Unavailable {
            try Test.cancel("skipped, the full-disk test needs to mount a tmpfs (root): \(unavailable)")
        }
        defer { mount.unmount() }
        let receiver = try await WebhookReceiver()
        let data = mount.path.appendingPathComponent("data")
        let setup = try EventDeliveryTests.Setup(
            url: receiver.url, data: data, extra: ["ORDER_IDEMPOTENCY_LEASE_SECONDS": "1"])
        let filler = mount.path.appendingPathComponent("filler")
        try out.fill(mount, filler: filler)

        // Creates and updates until the disk is full, and some more.
        var client = FullDiskClient(setup: setup)
        var round = 0
        while client.storageFullAnswers < 12 && round < 400 {
            try await client.create(round)
            try await client.advanceSomeOrder()
            round += 1
        }
        print(
            "full disk (\(out)): \(client.acknowledged.count) orders stored, \(client.storageFullAnswers) answers 507 in \(round) rounds"
        )
        #expect(client.surprises == [], "answers other than success or 507 storage_full")
        #expect(client.storageFullAnswers >= 12, "the disk never filled up")
        #expect(!client.acknowledged.isEmpty, "nothing was stored before the disk filled up")

        if out == .inodes {
            // A data directory that does not exist yet cannot be made either: still a 507, not a failure to start.
            var fresh = setup
            fresh.environment["ORDER_DATA_DIR"] = mount.path.appendingPathComponent("fresh").path
            let answer = try Events.response(await fresh.run("create-order", Events.createOrder(id: "FRESH-1")))
            #expect(answer.statusCode == 507 && answer.errorCode == "storage_full", "\(answer.body)")
        }

        // Nothing stored is lost or changed, and no half-written document is visible, on disk or through the service.
        try await client.expectEveryAcknowledgedOrderReadsBack()
        let audit = try DataDirectoryAudit(root: data)
        #expect(audit.unreadable == [])
        #expect(audit.temporaryFiles == [], "a failed write left its temp file")
        #expect(Set(audit.documents.keys) == Set(client.acknowledged.keys))
        #expect(Set(try await setup.listedOrderIDs()) == Set(client.acknowledged.keys))

        // Space is freed: the requests refused for want of it now succeed, and the store is consistent.
        try FileManager.default.removeItem(at: filler)
        try await client.expectEveryAcknowledgedOrderReadsBack()
        try await client.retryRefusedRequests()
        #expect(client.surprises == [])
        #expect(try await setup.create("AFTER-FULL").statusCode == 201)
        #expect(try await setup.update("AFTER-FULL", to: "confirmed").statusCode == 200)
        let ids = Array(client.acknowledged.keys) + ["AFTER-FULL"]
        for id in ids {
            try await setup.expectConsistentOrder(id)
        }
        let events = try await setup.deliverEveryEvent(of: ids)
        await receiver.stop()
        #expect(events.values.allSatisfy { ($0["delivery"] as? [String: Any])?["state"] as? String == "delivered" })
        let reindexed = try await setup.reindex()
        #expect(reindexed["entries_added"] as? Int == 0, "a commit left an index entry missing")
        #expect(reindexed["unreadable_orders"] as? [String] == [])
    }
}

/// A client of a store whose disk fills up: it checks every answer, remembers the last confirmed state of each order
/// and which requests were refused for want of space.
struct FullDiskClient {
    let setup: EventDeliveryTests.Setup
    /// The body of the last 2xx answer about each order: what the store must still hold.
    private(set) var acknowledged: [String: [String: Any]] = [:]
    private(set) var storageFullAnswers = 0
    /// Answers other than a success or a clear 507.
    private(set) var surprises: [String] = []
    /// The requests answered 507, by what they would create or change, to send again once space is freed.
    private var refused: [(function: String, event: Data)] = []

    init(setup: EventDeliveryTests.Setup) {
        self.setup = setup
    }

    /// Creates an order: every other one with an `Idempotency-Key` and the service's id.
    mutating func create(_ number: Int) async throws {
        let event =
            number.isMultiple(of: 2)
            ? try Events.createOrder(id: "FULL-\(number)")
            : try IdempotencyProcessTests.createEvent(key: "full-\(number)-\(UUID().uuidString)").event
        try await send("create-order", event)
    }

    /// Moves one of the stored orders, chosen at random, to its next status.
    mutating func advanceSomeOrder() async throws {
        guard let (id, order) = acknowledged.randomElement(), let status = order["status"] as? String,
            let next = TortureLedger.flow.firstIndex(of: status).map({ $0 + 1 }), next < TortureLedger.flow.count
        else { return }
        try await send("update-order-status", Events.updateStatus(id: id, status: TortureLedger.flow[next]))
    }

    /// Checks that every order reads back exactly as its last 2xx answer had it.
    func expectEveryAcknowledgedOrderReadsBack() async throws {
        for (id, body) in acknowledged {
            let stored = try await setup.order(id)
            #expect(stored.statusCode == 200)
            #expect(NSDictionary(dictionary: stored.body).isEqual(to: body), "\(id) changed: \(stored.body)")
        }
    }

    /// Sends every refused request again; with space, each must succeed.
    mutating func retryRefusedRequests() async throws {
        let requests = refused
        refused = []
        storageFullAnswers = 0
        for request in requests {
            try await send(request.function, request.event)
        }
        if storageFullAnswers > 0 { surprises.append("\(storageFullAnswers) requests still refused with space free") }
    }

    private mutating func send(_ function: String, _ event: Data) async throws {
        let result = try await setup.run(function, event)
        guard result.exitCode == 0, let answer = Events.completeResponse(result.standardOutput) else {
            surprises.append("\(function) exited \(result.exitCode) without an answer: \(result.standardError)")
            return
        }
        switch answer.statusCode {
        case 200, 201:
            if let id = answer.body["id"] as? String { acknowledged[id] = answer.body }
        case 507
        where answer.errorCode == "storage_full" && answer.body["type"] as? String == "api_error"
            && !(answer.body["message"] as? String ?? "").isEmpty:
            storageFullAnswers += 1
            refused.append((function, event))
        default:
            surprises.append("\(function): \(answer.statusCode) \(answer.body)")
        }
    }
}
