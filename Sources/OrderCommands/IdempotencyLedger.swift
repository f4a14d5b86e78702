import FunctionRuntime
import OrderAPI
import OrderDomain
import OrderHTTP
import OrderStore
import StructuredLog
import Timestamps

/// The `Idempotency-Key` protocol of a request that creates an order: however often it is sent, it runs at most
/// once per key, and every repeat gets the first answer.
///
/// What a request with a key does, by the state of the key's record:
/// - none, or one past its time to live: it claims the key (`in_progress`, leased to it) with the order id it
///   proposes, and runs;
/// - another request body: `idempotency_key_reused`, whatever the state;
/// - `completed`: the stored answer is sent again, with `Idempotent-Replayed: true`; nothing runs;
/// - `in_progress` within its lease: `request_in_progress`;
/// - `in_progress` past its lease (the request that held it died): it takes the key over with the order id kept in
///   the record, so that it creates that same order, or finds it, and never a second one.
///
/// Once run, the answer is recorded and the record `completed`. A refusal (an ``OrderError`` such as
/// `order_exists`) is an answer too: a repeat would meet it again, so it is recorded and replayed. A failure of the
/// service (any other error) is not: if no order was written the key is freed at once, so that a retry runs again
/// rather than waiting for the lease; if the order was written, the key stays held, and the retry after the lease
/// takes it over and finds the order.
///
/// Each step is one read-modify-write of the record under the key's lock, so requests racing in any number of
/// processes see these states one at a time. A request without a key does not come here.
struct IdempotencyLedger {
    let store: any OrderDocumentStore & IdempotencyRecordStore
    let settings: IdempotencySettings

    /// Answers a request sent with `key` and a body whose digest is `fingerprint`: replays the key's answer, or
    /// runs `work` with the id of the order it must create, records what it answers, and returns that.
    ///
    /// Costs two locked writes of the key's record when `work` runs (claim and completion), one read when it is
    /// replayed.
    /// - Parameter proposedID: the id a new order gets when the key is new; a takeover gets the id kept with the key.
    /// - Throws: ``OrderError`` `idempotency_key_reused` or `request_in_progress` without running `work`;
    ///   ``StoreError`` when the key's record cannot be read or written (then `work` has not run); and whatever
    ///   `work` throws, once the key has been recorded or freed as described above.
    func answer(
        key: IdempotencyKeyDigest, fingerprint: String, proposing proposedID: OrderID, at now: Timestamp,
        _ work: (OrderID) throws -> FunctionResponse
    ) throws -> FunctionResponse {
        let owner = String(UInt64.random(in: .min ... .max), radix: 16)
        let claim = try store.updateIdempotencyRecord(key) { record in
            try claimKey(&record, fingerprint: fingerprint, owner: owner, proposedID: proposedID, now: now)
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
            response = try work(id)
        } catch let refusal as OrderError {
            complete(key, fingerprint: fingerprint, orderID: id, answer: APIError(refusal).response)
            throw refusal
        } catch {
            freeUnlessWritten(key, owner: owner, orderID: id)
            throw error
        }
        complete(key, fingerprint: fingerprint, orderID: id, answer: response)
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
        _ record: inout IdempotencyRecord?, fingerprint: String, owner: String, proposedID: OrderID, now: Timestamp
    ) throws -> Claim {
        let lease = now.adding(milliseconds: settings.leaseSeconds * 1000)
        if let current = record, now < current.createdAt.adding(milliseconds: settings.timeToLiveSeconds * 1000) {
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
            fingerprint: fingerprint, orderID: proposedID, state: .inProgress, createdAt: now, leaseExpiresAt: lease,
            owner: owner)
        return .proceed(proposedID)
    }

    /// Records `answer` as the key's, for replay. Failing to is logged, not thrown: the answer stands, since the
    /// order is stored, and a retry after the lease finds it through the key.
    private func complete(
        _ key: IdempotencyKeyDigest, fingerprint: String, orderID id: OrderID, answer: FunctionResponse
    ) {
        let stored = IdempotencyRecord.StoredResponse(
            statusCode: answer.statusCode, headers: answer.headers, body: answer.body)
        do {
            try store.updateIdempotencyRecord(key) { record in
                guard let current = record, current.fingerprint == fingerprint, current.orderID == id,
                    current.state == .inProgress
                else { return }
                record?.state = .completed
                record?.leaseExpiresAt = nil
                record?.response = stored
            }
        } catch {
            FunctionLog.write(
                "idempotency_record_failed", level: "error", fields: ["order_id": id.rawValue, "error": "\(error)"])
        }
    }

    /// Frees the key held by `owner` if no order `id` was written, so that a retry runs again at once. If the
    /// document is there (a failure after its rename), or cannot be read, the key stays held.
    private func freeUnlessWritten(_ key: IdempotencyKeyDigest, owner: String, orderID id: OrderID) {
        let written: Bool
        do {
            written = try store.get(id) != nil
        } catch {
            written = true  // Unreadable: assume the worst.
        }
        guard !written else { return }
        _ = try? store.updateIdempotencyRecord(key) { record in
            if record?.owner == owner, record?.state == .inProgress { record = nil }
        }
    }
}
