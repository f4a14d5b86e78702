public import FunctionRuntime
public import OrderAPI
public import OrderHTTP
import OrderStore
import Timestamps

/// The `reindex` function: rebuilds every index of the store from the documents, and forgets idempotency keys past
/// their time to live.
///
/// Safe to run at any time, while requests are served. Its input (a scheduled event, or `{}`) is not read; it
/// answers with what it found and did.
public struct Reindex: EventHandler {
    let context: OrderServiceContext
    let idempotency: IdempotencySettings

    public init(context: OrderServiceContext, idempotency: IdempotencySettings = IdempotencySettings()) {
        self.context = context
        self.idempotency = idempotency
    }

    public func handle(event: [UInt8], context invocation: InvocationContext) throws -> String {
        var report = try context.store.reindex()
        let now = context.now()
        report.expiredIdempotencyRecords = try context.store.forgetIdempotencyRecords(
            createdBefore: now.adding(milliseconds: -idempotency.timeToLiveSeconds * 1000), now: now)
        return JSONBody.encode(report)
    }
}
