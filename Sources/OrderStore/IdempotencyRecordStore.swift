public import Timestamps

/// Where the records of `Idempotency-Key`s are kept, each under the digest of its key.
public protocol IdempotencyRecordStore: Sendable {
    /// Reads the record kept for an idempotency key (`nil` if none), lets `change` modify it while holding the
    /// key's lock, and stores the result if it differs (setting it to `nil` removes the record).
    ///
    /// The lock works across threads and processes, like an order's. `change` must not call back into the store.
    /// - Returns: whatever `change` returns. If `change` throws, nothing is written and the error is rethrown.
    /// - Throws: ``StoreError`` if the record cannot be read or written.
    func updateIdempotencyRecord<Result>(
        _ key: IdempotencyKeyDigest, _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result

    /// Removes the idempotency records created before `cutoff`, except those whose request may still be running
    /// (in progress with a lease that has not expired at `now`).
    ///
    /// Reads every record.
    /// - Returns: how many records were removed.
    func forgetIdempotencyRecords(createdBefore cutoff: Timestamp, now: Timestamp) throws -> Int
}
