public import FunctionRuntime
public import OrderAPI
public import OrderHTTP
public import OrderStore
import Timestamps

/// The `reindex` function: rebuilds every index of the store from the documents (the index of delivered events
/// among them, which enters the events delivered before it existed), and forgets idempotency keys past their time to
/// live.
///
/// Safe to run at any time, while requests are served. Its input (a scheduled event, or `{}`) is not read; it
/// answers with what it found and did.
public struct Reindex: EventHandler {
    let store: any ReindexableStore & IdempotencyRecordStore
    let now: @Sendable () -> Timestamp
    let idempotency: IdempotencySettings

    /// Maintains `context.store`, forgetting idempotency keys older than `idempotency` keeps them.
    public init(
        context: OrderServiceContext<some ReindexableStore & IdempotencyRecordStore>,
        idempotency: IdempotencySettings = IdempotencySettings()
    ) {
        store = context.store
        now = context.now
        self.idempotency = idempotency
    }

    /// Rebuilds, forgets, and answers with the ``ReindexReport``.
    ///
    /// - Throws: ``StoreError`` when the store fails; what was repaired before stays repaired.
    public func handle(event: [UInt8], context invocation: InvocationContext) throws -> String {
        var report = try store.reindex()
        let now = self.now()
        report.expiredIdempotencyRecords = try store.forgetIdempotencyRecords(
            createdBefore: now.adding(milliseconds: -idempotency.timeToLiveSeconds * 1000), now: now)
        return JSONBody.encode(report)
    }
}
