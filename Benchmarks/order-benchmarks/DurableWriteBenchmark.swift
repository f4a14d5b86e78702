import FoundationEssentials
import OrderDomain
import OrderStore
import Timestamps

/// The file store's durable writes next to the floor of any durable write, on the same file system, in the same
/// directory, with a payload of the same size.
///
/// - floor, new document: ``RawDurableWrite`` to a new name each time, as a create lands a new document.
/// - floor, rewrite: ``RawDurableWrite`` over the same name each time, as an update replaces one.
/// - store update: ``FileOrderStore/update(_:_:)`` changing one field of the order's event (the document is
///   read under the order's lock and journaled; no index entry changes), checkpoints included.
/// - store create: ``FileOrderStore/create(_:)`` of a new order (its document, index entries and outbox hint
///   journaled), the write `create-order` makes, checkpoints included.
struct DurableWriteBenchmark {
    let store: FileOrderStore
    let draft: OrderDraft
    let existing: OrderID
    /// The bucket directory of `existing`'s document, where the floor writes.
    let directory: String
    /// The document of `existing`, as the store wrote it: the floor writes these bytes.
    let payload: [UInt8]

    /// Creates a store in `root` and one order in it from `body`, whose document sets the payload.
    init(root: String, body: [UInt8]) throws {
        store = try FileOrderStore(root: root)
        if let present = try? FileManager.default.contentsOfDirectory(atPath: "\(root)/orders"), !present.isEmpty {
            throw BenchmarkFailure("\(root) already holds orders; give an empty directory")
        }
        draft = try OrderDraft(json: JSONValue.parse(body))
        existing = OrderID.generate(at: .now())
        try store.create(OrderDocument(newOrder: Order(draft: draft, id: existing, at: .now())))
        try store.checkpoint()  // So that its document is in its file, in its bucket directory.

        // The store's layout is its own business: find the one document it wrote rather than recompute its path.
        let buckets = try FileManager.default.contentsOfDirectory(atPath: "\(root)/orders")
        guard buckets.count == 1 else { throw BenchmarkFailure("expected one bucket directory, found \(buckets)") }
        directory = "\(root)/orders/\(buckets[0])"
        payload = try readFile("\(directory)/\(existing.rawValue).json")
    }

    func run(rounds: Int) throws -> [CaseResult] {
        var written = 0
        return try runInTurns(
            [
                TimedCase(name: "floor, new document") {
                    written += 1
                    try RawDurableWrite.write(payload, directory: directory, name: "floor-\(written).json")
                },
                TimedCase(name: "floor, rewrite") {
                    try RawDurableWrite.write(payload, directory: directory, name: "floor-rewrite.json")
                },
                TimedCase(name: "store update") {
                    try store.update(existing) { document in document.events[0].delivery.attempts += 1 }
                },
                TimedCase(name: "store create") {
                    let id = OrderID.generate(at: .now())
                    try store.create(OrderDocument(newOrder: Order(draft: draft, id: id, at: .now())))
                },
            ],
            rounds: rounds)
    }
}
