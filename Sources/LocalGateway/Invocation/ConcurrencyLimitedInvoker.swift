/// Runs at most `limit` invocations of another invoker at once; the others wait their turn, in order.
///
/// An invocation holds its turn until the base invoker returns its answer. ``ProcessInvoker`` returns as soon as the
/// answer is complete, so a process busy with its after-response work (an event for a slow webhook) no longer holds
/// one: such work is bounded by each function's `Timeout`, and by the webhook's health mark in the functions, not by
/// this limit.
public struct ConcurrencyLimitedInvoker: FunctionInvoker {
    public let base: any FunctionInvoker
    private let permits: Permits

    /// - Parameter limit: at least 1.
    public init(_ base: any FunctionInvoker, limit: Int) {
        self.base = base
        permits = Permits(limit: max(1, limit))
    }

    /// Waits for a turn (in the order callers came), then runs the invocation through ``base``; the turn is given
    /// back however it ends.
    public func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]
    {
        await permits.acquire()
        do {
            let output = try await base.invoke(function, event: event, requestID: requestID, traceID: traceID)
            await permits.release()
            return output
        } catch {
            await permits.release()
            throw error
        }
    }

    /// Stops what ``base`` keeps running.
    public func shutdown() async {
        await base.shutdown()
    }

    /// The warm pools of ``base``.
    public func warmPools() -> [WarmPoolSize] {
        base.warmPools()
    }

    /// A counting semaphore that suspends, never blocks, its waiters.
    private actor Permits {
        let limit: Int
        var inUse = 0
        var waiting: [CheckedContinuation<Void, Never>] = []

        init(limit: Int) {
            self.limit = limit
        }

        func acquire() async {
            if inUse < limit {
                inUse += 1
                return
            }
            // The permit passes straight from the releasing invocation to this one.
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty {
                inUse -= 1
            } else {
                waiting.removeFirst().resume()
            }
        }
    }
}
