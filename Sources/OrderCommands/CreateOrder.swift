public import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderHTTP
public import OrderStore
import StructuredLog
import Timestamps

/// `POST /order`: validates an order, stores it at `pending_confirmation` with its `order_added` event, answers 201
/// with it, then delivers the event.
///
/// With an `Idempotency-Key`, the request happens at most once however often it is sent: the first answer is
/// stored and replayed for the same key and body (with `Idempotent-Replayed: true`), the same key with another body
/// is `idempotency_key_reused`, and while the first request runs it is `request_in_progress`. The order id is
/// chosen before anything is written and kept with the key, so a request that takes the key over after a crash
/// creates that same order, or finds it, and never a second one.
public struct CreateOrder: OrderFunction {
    let store: any OrderDocumentStore & IdempotencyRecordStore
    let now: @Sendable () -> Timestamp
    let defaultCurrency: Currency
    let events: EventPublisher
    let ledger: IdempotencyLedger

    /// Creates orders in `context.store`, keeping there the records of their idempotency keys for as long as
    /// `idempotency` says; `events` delivers their `order_added` events.
    public init(
        context: OrderServiceContext<some OrderDocumentStore & IdempotencyRecordStore>, events: EventPublisher,
        idempotency: IdempotencySettings = IdempotencySettings()
    ) {
        store = context.store
        now = context.now
        defaultCurrency = context.defaultCurrency
        self.events = events
        ledger = IdempotencyLedger(store: context.store, settings: idempotency)
    }

    /// Answers 201 with the order, or replays the first answer given for its `Idempotency-Key`.
    ///
    /// - Throws: `validation_failed`, `malformed_json`, `amount_mismatch`, `unsupported_media_type`,
    ///   `invalid_header` (a bad key), `order_exists`, `idempotency_key_reused`, `request_in_progress`;
    ///   ``StoreError`` when the store fails.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let key = try request.header("idempotency-key").map(IdempotencyKey.init(header:))
        let draft = try OrderDraft(json: request.jsonBody(), defaultCurrency: defaultCurrency)
        let now = self.now()
        let proposedID = draft.id ?? .generate(at: now)
        guard let key else {
            return try create(Order(draft: draft, id: proposedID, at: now, by: request.actor), key: nil)
        }
        return try ledger.answer(
            key: key.digest, fingerprint: IdempotencyKey.hexDigest(of: request.body), proposing: proposedID, at: now
        ) { id in
            try create(Order(draft: draft, id: id, at: now, by: request.actor), key: key.digest)
        }
    }

    /// Creates `order`; if an earlier attempt with the same key created it already, answers as that attempt did.
    private func create(_ order: Order, key: IdempotencyKeyDigest?) throws -> FunctionResponse {
        var created = order
        do {
            try store.create(OrderDocument(newOrder: order, idempotencyKey: key))
        } catch let error as OrderError where error.code == .orderExists && key != nil {
            guard let existing = try store.get(order.id), existing.idempotencyKey == key else { throw error }
            // The first answer carried the order as created; later changes are not part of it.
            created = existing.order.asOf(version: 1)
        }
        var response = FunctionResponse.order(created, status: 201, headers: ["Location": "/order/\(created.id)"])
        response.afterResponse = events.deliveryAfterResponse(of: created.id)
        // Counted when an earlier attempt's order is found too: that attempt never finished, so never reported it.
        // A finished request's repeats are replayed by the ledger and count nothing.
        response.metrics = [.orderCreated]
        return response
    }
}
