import FoundationEssentials
import FunctionRuntime
import OrderDomain
import OrderStore
import SampleOrders
import Synchronization
import Testing
import Timestamps

@testable import OrderCommands

/// The `Idempotency-Key` protocol on its own, state by state, on the in-memory store with a clock the test moves.
@Suite("Idempotency ledger")
struct IdempotencyLedgerTests {
    let store = InMemoryOrderStore()
    let clock = IdempotentCreateTests.Clock()
    let key = IdempotencyKeyDigest(hex: String(repeating: "ab", count: 32))!
    let proposed = OrderID("PROPOSED-1")!
    let chosen = OrderID("CHOSEN-1")!

    var ledger: IdempotencyLedger {
        IdempotencyLedger(store: store, settings: IdempotencySettings(timeToLiveSeconds: 3600, leaseSeconds: 60))
    }

    /// One request with the key and the body `fingerprint`; `work` stands for creating the order.
    func send(
        fingerprint: String = "body-1", _ work: (OrderID) throws -> FunctionResponse = { _ in Self.created }
    ) throws -> FunctionResponse {
        try ledger.answer(key: key, fingerprint: fingerprint, proposing: proposed, at: clock.now, work)
    }

    static let created = FunctionResponse(statusCode: 201, headers: ["Location": "/order/PROPOSED-1"], body: "{}")

    func record() throws -> IdempotencyRecord? {
        try store.updateIdempotencyRecord(key) { $0 }
    }

    /// The record a request that is still running, or that died, leaves: `chosen`, leased for a minute from now.
    func recordInProgress() throws {
        try store.updateIdempotencyRecord(key) { record in
            record = IdempotencyRecord(
                fingerprint: "body-1", orderID: chosen, state: .inProgress, createdAt: clock.now,
                leaseExpiresAt: clock.now.adding(milliseconds: 60_000), owner: "other")
        }
    }

    static func document(id: OrderID, at time: Timestamp) -> OrderDocument {
        OrderDocument(newOrder: SampleOrders.order(id, at: time, line: OrderLine(sku: "A", price: 5, quantity: 1)))
    }

    /// A failure of the store, as opposed to a refusal.
    struct DiskFailure: Error {}

    @Test("a new key runs the request with the proposed id and records its answer")
    func newKey() throws {
        var ranWith: [OrderID] = []
        let answer = try send { id in
            ranWith.append(id)
            return Self.created
        }
        #expect(ranWith == [proposed])
        #expect(answer.statusCode == 201)
        #expect(answer.headers["Idempotent-Replayed"] == nil)
        let record = try #require(try record())
        #expect(record.state == .completed)
        #expect(record.orderID == proposed)
        #expect(record.leaseExpiresAt == nil)
        #expect(
            record.response
                == IdempotencyRecord.StoredResponse(statusCode: 201, headers: Self.created.headers, body: "{}"))
    }

    @Test("a completed key replays its answer without running again")
    func replay() throws {
        _ = try send()
        clock.advance(seconds: 5)
        var ran = false
        let again = try send { _ in
            ran = true
            return FunctionResponse(statusCode: 500)
        }
        #expect(!ran)
        #expect(again.statusCode == 201)
        #expect(again.body == "{}")
        #expect(again.headers["Location"] == "/order/PROPOSED-1")
        #expect(again.headers["Idempotent-Replayed"] == "true")
    }

    @Test("the same key with another body is idempotency_key_reused, completed or in progress")
    func reused() throws {
        _ = try send()
        #expect(throws: OrderError.idempotencyKeyReused()) { try send(fingerprint: "body-2") }
        try recordInProgress()
        #expect(throws: OrderError.idempotencyKeyReused()) { try send(fingerprint: "body-2") }
    }

    @Test("a key held by a running request is request_in_progress until its lease runs out")
    func inProgress() throws {
        try recordInProgress()
        var ran = false
        #expect(throws: OrderError.requestInProgress()) {
            try send { _ in
                ran = true
                return Self.created
            }
        }
        clock.advance(seconds: 59)
        #expect(throws: OrderError.requestInProgress()) { try send() }
        #expect(!ran)
        #expect(try record()?.owner == "other", "the running request keeps its key")
    }

    @Test("once the lease has run out, a retry takes the key over with the order id kept with it")
    func takeover() throws {
        try recordInProgress()
        clock.advance(seconds: 61)
        var ranWith: [OrderID] = []
        _ = try send { id in
            ranWith.append(id)
            return Self.created
        }
        #expect(ranWith == [chosen])
        #expect(try record()?.state == .completed)
        #expect(try record()?.orderID == chosen)
    }

    @Test("a failure before the order is written frees the key at once")
    func failureBeforeWrite() throws {
        #expect(throws: DiskFailure.self) { try send { _ in throw DiskFailure() } }
        #expect(try record() == nil)
        var ranWith: [OrderID] = []
        _ = try send { id in
            ranWith.append(id)
            return Self.created
        }
        #expect(ranWith == [proposed], "the retry runs at once rather than waiting for the lease")
    }

    @Test("a failure after the order is written keeps the key until its lease runs out")
    func failureAfterWrite() throws {
        #expect(throws: DiskFailure.self) {
            try send { id in
                try store.create(Self.document(id: id, at: clock.now))
                throw DiskFailure()
            }
        }
        #expect(try record()?.state == .inProgress)
        #expect(throws: OrderError.requestInProgress()) { try send() }
        clock.advance(seconds: 61)
        var ranWith: [OrderID] = []
        _ = try send { id in
            ranWith.append(id)
            return Self.created
        }
        #expect(ranWith == [proposed], "the retry after the lease creates the same order, or finds it")
    }

    @Test("a refusal such as order_exists is recorded and replayed")
    func refusalReplayed() throws {
        #expect(throws: OrderError.exists(proposed)) { try send { id in throw OrderError.exists(id) } }
        #expect(try record()?.state == .completed)
        var ran = false
        let again = try send { _ in
            ran = true
            return Self.created
        }
        #expect(!ran)
        #expect(again.statusCode == 409)
        #expect(again.body.contains(#""code":"order_exists""#))
        #expect(again.headers["Content-Type"] == "application/json")
        #expect(again.headers["Idempotent-Replayed"] == "true")
    }

    @Test("a key past its time to live is new again")
    func expired() throws {
        _ = try send()
        clock.advance(seconds: 3601)
        var ranWith: [OrderID] = []
        _ = try send(fingerprint: "body-2") { id in
            ranWith.append(id)
            return Self.created
        }
        #expect(ranWith == [proposed])
        #expect(try record()?.fingerprint == "body-2")
    }
}
