import Synchronization

/// Keeps each function's executables running as Lambda custom runtimes and feeds them events over the Lambda
/// Runtime API, which the gateway serves to them, as Lambda's execution environments (and
/// `sam local start-api --warm-containers`) do.
///
/// A function's workers start on its first invocation and more start while invocations wait, up to
/// `maximumWorkersPerFunction`; invocations beyond that wait their turn. A worker that exits is replaced when
/// one is needed and its invocation fails (``InvocationError/Kind/failed``); one that runs past the function's
/// `Timeout` is killed with its process group (``InvocationError/Kind/timedOut``). A worker that reports
/// `init/error`, or exits before asking for an invocation, fails the invocations waiting for it
/// (``InvocationError/Kind/initializationFailed``) and no worker of that function starts again for a second,
/// doubling up to 30 s while it keeps failing.
public final class WarmInvoker: FunctionInvoker {
    public let environment: FunctionEnvironment
    public let maximumWorkersPerFunction: Int
    private let launcher: WorkerLauncher
    private let log: @Sendable (GatewayLogLine) -> Void
    /// Where the time invocations wait for a worker is recorded; `nil` for nowhere.
    private let metrics: GatewayMetrics?
    private let pools = Mutex<[String: FunctionPool]>([:])

    /// - Parameters:
    ///   - maximumWorkersPerFunction: at least 1.
    ///   - log: where worker start failures and exits are logged.
    ///   - metrics: where the waits for a worker are recorded.
    public init(
        environment: FunctionEnvironment, maximumWorkersPerFunction: Int,
        log: @escaping @Sendable (GatewayLogLine) -> Void = { $0.write() }, metrics: GatewayMetrics? = nil
    ) {
        self.environment = environment
        self.maximumWorkersPerFunction = max(1, maximumWorkersPerFunction)
        launcher = WorkerLauncher(environment: environment)
        self.log = log
        self.metrics = metrics
        ProcessInvoker.ignoreBrokenPipes()
    }

    /// Runs the invocation on an idle worker of `function`'s pool, starting one when none is idle and the pool has
    /// room, else waiting for one; the trace reaches the worker as `Lambda-Runtime-Trace-Id`.
    public func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]
    {
        try await pool(for: function).invoke(event: event, requestID: requestID, traceID: traceID).get()
    }

    /// Kills every worker and waits for them to exit. Call it once the gateway has stopped taking requests.
    public func shutdown() async {
        let all = pools.withLock { Array($0.values) }
        for pool in all { await pool.shutdown() }
    }

    /// Each started pool's workers by state, and its queue, in the order of the functions' ids.
    public func warmPools() -> [WarmPoolSize] {
        pools.withLock { Array($0.values) }.map { $0.size() }.sorted { $0.function < $1.function }
    }

    private func pool(for function: FunctionDefinition) -> FunctionPool {
        pools.withLock { pools in
            if let pool = pools[function.logicalID] { return pool }
            let pool = FunctionPool(
                function: function, maximumWorkers: maximumWorkersPerFunction, launcher: launcher, log: log,
                metrics: metrics)
            pools[function.logicalID] = pool
            return pool
        }
    }
}
