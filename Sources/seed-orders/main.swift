// Fills a data directory with generated orders, written through the file store (its bulk import) as the functions write
// them (indexes included), for benchmarks: `seed-orders <data-dir> <count> [<first-number>]`.
//
// Orders are created over the year before 2026-11-25, in 20 cities of 5 countries (a few cities far more often
// than others, as real shops see), at every status of the flow, each for one of 20 customers (`cus-0` … `cus-19`,
// in turn, so that a page of one customer's orders is full at 1,000 orders as at a million); their events are marked
// delivered, so that the outbox stays empty. The same arguments always produce the same orders.
import Dispatch
import FoundationEssentials
import OrderDomain
import OrderStore
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func fail(_ message: String) -> Never {
    let line = Array("seed-orders: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(1)
}

let places: [(city: String, country: String)] = [
    ("Madrid", "ES"), ("Barcelona", "ES"), ("Valencia", "ES"), ("Sevilla", "ES"), ("Bilbao", "ES"),
    ("Paris", "FR"), ("Lyon", "FR"), ("Marseille", "FR"), ("Lille", "FR"),
    ("Berlin", "DE"), ("München", "DE"), ("Hamburg", "DE"), ("Köln", "DE"),
    ("Lisboa", "PT"), ("Porto", "PT"), ("Braga", "PT"),
    ("Roma", "IT"), ("Milano", "IT"), ("Napoli", "IT"), ("Torino", "IT"),
]

let arguments = CommandLine.arguments
guard arguments.count >= 3, let count = Int(arguments[2]), count > 0 else {
    fail("usage: seed-orders <data-dir> <count> [<first-number>]")
}
let first = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 0
let store: FileOrderStore
do {
    store = try FileOrderStore(root: arguments[1])
} catch {
    fail("\(error)")
}

let end = Timestamp(rfc3339: "2026-11-25T00:00:00Z") ?? .now()
let year: Int64 = 365 * 86_400_000
let workers = 4

/// The order `number` of the seed, always the same.
@Sendable func seed(_ number: Int) throws -> OrderDocument {
    var random = SplitMix(state: UInt64(number) &* 0x2545_F491_4F6C_DD1D)
    // Skewed towards the first cities: the square of a uniform number.
    let pick = Double(random.next() % 10_000) / 10_000
    let place = places[min(places.count - 1, Int(pick * pick * Double(places.count)))]
    var address = Address()
    address.firstName = "Customer"
    address.lastName = "\(number)"
    address.line1 = "Street \(number % 997)"
    address.city = place.city
    address.country = place.country
    address.zip = "\(10_000 + number % 89_999)"
    let created = end.adding(milliseconds: -Int64(random.next() % UInt64(year)))
    var draft = OrderDraft(
        id: nil, orderLines: [OrderLine(sku: "SKU-\(number % 500)", price: 19, quantity: Int(random.next() % 5) + 1)],
        shippingAddress: address, billingAddress: address)
    draft.customer = Customer(id: "cus-\(number % 20)")
    let id = OrderID.generate(at: created, using: &random)
    var document = OrderDocument(newOrder: Order(draft: draft, id: id, at: created))
    var time = created
    for _ in 0..<Int(random.next() % UInt64(OrderStatus.allCases.count)) {
        guard let next = document.order.status.next else { break }
        time = time.adding(milliseconds: Int64(random.next() % 86_400_000))
        try document.advance(to: next, at: time)
    }
    for index in document.events.indices {
        document.events[index].delivery = EventDelivery(
            state: .delivered, attempts: 1, nextAttemptAt: nil, deliveredAt: document.events[index].occurredAt,
            lastStatus: 204)
    }
    return document
}

// Through the store's bulk import, a batch at a time per worker: two flushes per batch rather than three per order,
// so that a million orders take minutes.
let batch = 5_000
DispatchQueue.concurrentPerform(iterations: workers) { worker in
    var documents: [OrderDocument] = []
    for number in stride(from: first + worker, to: first + count, by: workers) {
        do {
            documents.append(try seed(number))
            if documents.count == batch || number + workers >= first + count {
                let taken = try store.importOrders(documents)
                if let id = taken.first { fail("order \(id) exists already") }
                documents.removeAll(keepingCapacity: true)
            }
        } catch {
            fail("order \(number): \(error)")
        }
    }
}
