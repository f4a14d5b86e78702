import ArgumentParser
import FoundationEssentials
import OrderDomain
import OrderStore
import Timestamps

/// One kind of store write, `count` times, and nothing else, so that what a process-wide count of system calls
/// (`strace -f -c`, in `scripts/bench-store.sh`) finds is theirs alone: the flushes per write of a store that already
/// holds orders. The orders it writes are `bench-<n>`, made by `prepare`, so that the other kinds have orders to change.
struct StoreWrites: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make one kind of store write, COUNT times, for counting its system calls from outside.")

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        /// Creates `bench-0` … `bench-<count - 1>`, as `create-order` does.
        case prepare
        /// Creates `count` more orders, with ids of their own.
        case create
        /// Moves `bench-0` … from pending confirmation to confirmed, as `update-order-status` does: a new status,
        /// so a new index entry, and a new event.
        case status
        /// Marks the events of `bench-0` … delivered, as a delivery does: an entry each in the index of delivered
        /// events, and the outbox hint cleared.
        case delivered
    }

    @Option(help: "The data directory; `prepare` fills an empty one.")
    var directory: String

    @Option(help: "The JSON body of the orders to store (as POST /order takes it).")
    var body: String

    @Option(help: "prepare, create, status or delivered.")
    var kind: Kind

    @Option(help: "Writes to make.")
    var count = 200

    func run() throws {
        let store = try FileOrderStore(root: directory)
        let draft = try OrderDraft(json: JSONValue.parse(try readFile(body)))
        for number in 0..<count {
            let id = OrderID("bench-\(number)")!
            switch kind {
            case .prepare:
                try store.create(OrderDocument(newOrder: Order(draft: draft, id: id, at: .now())))
            case .create:
                let id = OrderID.generate(at: .now())
                try store.create(OrderDocument(newOrder: Order(draft: draft, id: id, at: .now())))
            case .status:
                try store.update(id) { try $0.advance(to: .confirmed, at: .now()) }
            case .delivered:
                try store.update(id) { document in
                    for index in document.events.indices { document.events[index].delivery.state = .delivered }
                }
            }
        }
    }
}
