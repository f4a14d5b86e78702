public import FunctionRuntime
public import OrderAPI
import OrderDomain
public import OrderStore
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
    let events: EventPublisher
    let idempotency: IdempotencySettings

    /// Creates orders in `context.store`, keeping there the records of their idempotency keys for as long as
    /// `idempotency` says; `events` delivers their `order_added` events.
    public init(
        context: OrderServiceContext<some OrderDocumentStore & IdempotencyRecordStore>, events: EventPublisher,
        idempotency: IdempotencySettings = IdempotencySettings()
    ) {
        store = context.store
        now = context.now
        self.events = events
        self.idempotency = idempotency
    }

    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let key = try request.header("idempotency-key").map(IdempotencyKey.init(header:))
        let draft = try OrderDraft(json: request.jsonBody())
        let now = self.now()
        guard let key else {
            return try create(Order(draft: draft, id: draft.id ?? .generate(at: now), at: now), key: nil)
        }

        let fingerprint = IdempotencyKey.hexDigest(of: request.body)
        let owner = String(UInt64.random(in: .min ... .max), radix: 16)
        let claim = try store.updateIdempotencyRecord(key.digest) { record -> Claim in
            try claimKey(
                &record, fingerprint: fingerprint, owner: owner, newID: draft.id ?? .generate(at: now), now: now)
        }
        let id: OrderID
        switch claim {
        case .replay(let stored):
            var headers = stored.headers
            headers["Idempotent-Replayed"] = "true"
            return FunctionResponse(statusCode: stored.statusCode, headers: headers, body: stored.body)
        case .proceed(let chosen):
            id = chosen
        }

        let response: FunctionResponse
        do {
            response = try create(Order(draft: draft, id: id, at: now), key: key.digest)
        } catch let error as OrderError {
            response = APIError(error).response
        } catch {
            // Free the key at once if no order was written, so that a retry runs again rather than waiting for the
            // lease. If the document is there (a failure after its rename), the key stays held: the retry after the
            // lease takes it over and finds the order.
            let written: Bool
            do {
                written = try store.get(id) != nil
            } catch {
                written = true  // Unreadable: assume the worst.
            }
            if !written {
                _ = try? store.updateIdempotencyRecord(key.digest) { record in
                    if record?.owner == owner, record?.state == .inProgress { record = nil }
                }
            }
            throw error
        }

        let stored = IdempotencyRecord.StoredResponse(
            statusCode: response.statusCode, headers: response.headers, body: response.body)
        do {
            try store.updateIdempotencyRecord(key.digest) { record in
                guard let current = record, current.fingerprint == fingerprint, current.orderID == id,
                    current.state == .inProgress
                else { return }
                record?.state = .completed
                record?.leaseExpiresAt = nil
                record?.response = stored
            }
        } catch {
            // The answer stands: the order is stored, and a retry after the lease finds it through the key.
            FunctionLog.write(
                "idempotency_record_failed", level: "error", fields: ["order_id": id.rawValue, "error": "\(error)"])
        }
        return response
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
        return response
    }

    enum Claim {
        /// The key's request has finished: send its answer again.
        case replay(IdempotencyRecord.StoredResponse)
        /// This request now holds the key and creates the order with this id.
        case proceed(OrderID)
    }

    /// Decides what a request with a key does, given the key's record, and updates the record.
    private func claimKey(
        _ record: inout IdempotencyRecord?, fingerprint: String, owner: String, newID: OrderID, now: Timestamp
    ) throws -> Claim {
        let lease = now.adding(milliseconds: idempotency.leaseSeconds * 1000)
        if let current = record, now < current.createdAt.adding(milliseconds: idempotency.timeToLiveSeconds * 1000) {
            guard current.fingerprint == fingerprint else { throw OrderError.idempotencyKeyReused() }
            if current.state == .completed, let response = current.response { return .replay(response) }
            if current.state == .inProgress, let expiry = current.leaseExpiresAt, now < expiry {
                throw OrderError.requestInProgress()
            }
            // The request that held the key died (or its record is incomplete): take over with the same order id.
            record?.state = .inProgress
            record?.leaseExpiresAt = lease
            record?.owner = owner
            return .proceed(current.orderID)
        }
        record = IdempotencyRecord(
            fingerprint: fingerprint, orderID: newID, state: .inProgress, createdAt: now, leaseExpiresAt: lease,
            owner: owner)
        return .proceed(newID)
    }
}
