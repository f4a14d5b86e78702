/// Counts and times every invocation of another invoker in ``GatewayMetrics``, whoever asks for it: the gateway for
/// a request, the schedule runner, or `local-gateway invoke`.
public struct MeteredInvoker: FunctionInvoker {
    /// The invoker that runs the functions.
    public let base: any FunctionInvoker
    /// Where the invocations are counted.
    public let metrics: GatewayMetrics

    /// Runs invocations through `base`, counting them in `metrics`.
    public init(_ base: any FunctionInvoker, metrics: GatewayMetrics) {
        self.base = base
        self.metrics = metrics
    }

    /// Runs the invocation through ``base`` and records it, failed or not, with its duration.
    public func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]
    {
        let started = ContinuousClock.now
        do {
            let output = try await base.invoke(function, event: event, requestID: requestID, traceID: traceID)
            metrics.recordInvocation(function: function.logicalID, error: nil, duration: ContinuousClock.now - started)
            return output
        } catch {
            metrics.recordInvocation(
                function: function.logicalID, error: error, duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// The warm pools of ``base``.
    public func warmPools() -> [WarmPoolSize] {
        base.warmPools()
    }

    /// Stops what ``base`` keeps running.
    public func shutdown() async {
        await base.shutdown()
    }
}
