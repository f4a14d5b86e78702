import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// What the local gateway counts and times, served at `GET /metrics` in Prometheus' text format.
///
/// Recorded with swift-metrics' types, through a Prometheus factory of this instance's own (never the process-wide
/// `MetricsSystem`, so that gateways in one process, as in tests, keep separate figures). Each labelled series'
/// handle is made once, on its first recording (making one cleans its labels and looks it up in the registry);
/// every recording after is a dictionary lookup under a lock and an atomic add. Nothing is written anywhere until a
/// scrape.
///
/// - `gateway_requests_total{route, function, status}`: requests answered. `route` is the template's route key
///   (`GET /order/{id}`), the gateway's own path (`GET /metrics`), or `unmatched`; `function` is the logical id
///   of the function that ran, or `none`.
/// - `gateway_request_duration_seconds{route}`: how long the gateway took to answer, histogram.
/// - `function_invocations_total{function, outcome}` and `function_invocation_duration_seconds{function}`: every
///   invocation, by HTTP request or by schedule; `outcome` is `ok` or the ``InvocationError`` kind
///   (`timed_out`, `failed`, `launch_failed`, `initialization_failed`, `response_too_large`).
/// - `warm_pool_workers{function, state}` (`starting`, `idle`, `busy`, `returning`) and
///   `warm_pool_queued_invocations{function}`: the warm pools as they stand at the scrape (`--warm` only).
/// - `warm_pool_wait_seconds{function}`: how long invocations waited for a warm worker, histogram (`--warm` only).
/// - `schedule_runs_total{function, outcome}`: scheduled invocations, `ok` or `failed`.
public final class GatewayMetrics: Sendable {
    /// Where the gateway serves the figures.
    public static let path = "/metrics"
    /// The `Content-Type` of the text exposition format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let requestCounters = Handles<RequestSeries, CoreMetrics.Counter>()
    private let requestTimers = Handles<String, CoreMetrics.Timer>()
    private let invocationCounters = Handles<InvocationSeries, CoreMetrics.Counter>()
    private let invocationTimers = Handles<String, CoreMetrics.Timer>()
    private let waitTimers = Handles<String, CoreMetrics.Timer>()

    /// An empty set of figures.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a warm invocation's millisecond to dispatch-events' minute.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        self.factory = factory
    }

    /// Counts one answered request and its duration.
    func recordRequest(route: String, function: String?, status: Int, duration: Duration) {
        let function = function ?? "none"
        requestCounters.handle(RequestSeries(route: route, function: function, status: status)) {
            Counter(
                label: "gateway_requests_total",
                dimensions: [("route", route), ("function", function), ("status", String(status))], factory: factory)
        }.increment()
        requestTimers.handle(route) {
            Timer(label: "gateway_request_duration_seconds", dimensions: [("route", route)], factory: factory)
        }.record(duration: duration)
    }

    /// Counts one invocation of `function`, which ended with `error` (`nil`: it answered), and its duration.
    func recordInvocation(function: String, error: InvocationError?, duration: Duration) {
        let outcome = error.map { $0.kind.metricOutcome } ?? "ok"
        invocationCounters.handle(InvocationSeries(function: function, outcome: outcome)) {
            Counter(
                label: "function_invocations_total", dimensions: [("function", function), ("outcome", outcome)],
                factory: factory)
        }.increment()
        invocationTimers.handle(function) {
            Timer(
                label: "function_invocation_duration_seconds", dimensions: [("function", function)], factory: factory)
        }.record(duration: duration)
    }

    /// Records how long an invocation of `function` waited in its warm pool's queue for a worker.
    func recordWarmPoolWait(function: String, waited: Duration) {
        waitTimers.handle(function) {
            Timer(label: "warm_pool_wait_seconds", dimensions: [("function", function)], factory: factory)
        }.record(duration: waited)
    }

    /// Counts one scheduled run of `function`.
    func recordScheduleRun(function: String, succeeded: Bool) {
        Counter(
            label: "schedule_runs_total",
            dimensions: [("function", function), ("outcome", succeeded ? "ok" : "failed")],
            factory: factory
        ).increment()
    }

    /// The figures in Prometheus' text exposition format, with the warm pools' sizes as `pools` gives them.
    func exposition(pools: [WarmPoolSize]) -> [UInt8] {
        for pool in pools {
            for (state, count) in [
                ("starting", pool.starting), ("idle", pool.idle), ("busy", pool.busy), ("returning", pool.returning),
            ] {
                Gauge(
                    label: "warm_pool_workers", dimensions: [("function", pool.function), ("state", state)],
                    factory: factory
                ).record(count)
            }
            Gauge(label: "warm_pool_queued_invocations", dimensions: [("function", pool.function)], factory: factory)
                .record(pool.queued)
        }
        return registry.emitToBuffer()
    }
}

/// How many workers of one function's warm pool are in each state, and how many invocations wait for one.
public struct WarmPoolSize: Sendable, Equatable {
    /// The function's logical id.
    public var function: String
    /// Launched, not yet asking for an invocation.
    public var starting = 0
    /// Waiting for an invocation.
    public var idle = 0
    /// Handling one.
    public var busy = 0
    /// Answered, on the way back for the next.
    public var returning = 0
    /// Invocations queued for a worker.
    public var queued = 0
}

extension InvocationError.Kind {
    /// The `outcome` label of an invocation that failed this way.
    fileprivate var metricOutcome: String {
        switch self {
        case .timedOut: "timed_out"
        case .failed: "failed"
        case .launchFailed: "launch_failed"
        case .initializationFailed: "initialization_failed"
        case .responseTooLarge: "response_too_large"
        }
    }
}

/// The labels of a `gateway_requests_total` series.
private struct RequestSeries: Hashable, Sendable {
    var route: String
    var function: String
    var status: Int
}

/// The labels of a `function_invocations_total` series.
private struct InvocationSeries: Hashable, Sendable {
    var function: String
    var outcome: String
}

/// The handles of one metric's series by their labels, each made the first time it is asked for.
private final class Handles<Labels: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let made = Mutex<[Labels: Handle]>([:])

    func handle(_ labels: Labels, make: () -> Handle) -> Handle {
        made.withLock { made in
            if let handle = made[labels] { return handle }
            let handle = make()
            made[labels] = handle
            return handle
        }
    }
}
