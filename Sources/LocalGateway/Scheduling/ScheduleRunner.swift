public import Foundation
public import ServiceLifecycle

/// Runs the template's scheduled functions on their `rate(…)`, each time with an EventBridge scheduled event,
/// until the gateway shuts down. `cron(…)` schedules are reported at start-up and not run.
public struct ScheduleRunner: Service {
    public let template: ServerlessTemplate
    public let invoker: any FunctionInvoker
    /// Waits one interval; passed in so tests need not wait.
    public var sleep: @Sendable (Duration) async throws -> Void
    public var now: @Sendable () -> Date
    public var log: @Sendable (GatewayLogLine) -> Void
    /// Where runs are counted; `nil` counts nothing.
    public var metrics: GatewayMetrics?

    /// Runs `template`'s enabled `rate(…)` schedules through `invoker`; `sleep` and `now` are the clock, replaced in
    /// tests; `log` takes each run's line.
    public init(
        template: ServerlessTemplate, invoker: any FunctionInvoker,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() },
        log: @escaping @Sendable (GatewayLogLine) -> Void = { $0.write() }
    ) {
        self.template = template
        self.invoker = invoker
        self.sleep = sleep
        self.now = now
        self.log = log
    }

    /// A schedule to run: the function, its schedule event, and the interval of its `rate(…)`.
    public struct Job: Sendable {
        public var function: FunctionDefinition
        public var schedule: ScheduleDefinition
        public var interval: Duration
    }

    /// The enabled `rate(…)` schedules with their intervals.
    ///
    /// - Throws: ``GatewayError`` `template_invalid` for a malformed `rate(…)`.
    public func jobs() throws(GatewayError) -> [Job] {
        var jobs: [Job] = []
        for function in template.functions {
            for schedule in function.schedules where schedule.isEnabled {
                if case .rate(let interval) = try ScheduleExpression(schedule.expression) {
                    jobs.append(Job(function: function, schedule: schedule, interval: interval))
                }
            }
        }
        return jobs
    }

    /// Logs each enabled schedule that is not run locally (`cron(…)`, `at(…)`).
    func reportSchedulesNotRun() {
        for function in template.functions {
            for schedule in function.schedules where schedule.isEnabled {
                if case .unsupported(let expression)? = try? ScheduleExpression(schedule.expression) {
                    log(
                        .notice(
                            "schedule not run locally", level: "warning",
                            fields: ["function": function.logicalID, "schedule": expression]))
                }
            }
        }
    }

    /// Runs every job until cancelled or until graceful shutdown.
    public func run() async throws {
        let jobs = try jobs()
        reportSchedulesNotRun()
        // A service that returns early stops the whole server: with nothing to run, wait for shutdown.
        guard !jobs.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for job in jobs {
                    group.addTask { await repeatJob(job.function, job.schedule, every: job.interval) }
                }
            }
        }
    }

    /// Fires `schedule` every `interval`, at most `limit` times, until `sleep` throws (cancellation).
    public func repeatJob(
        _ function: FunctionDefinition, _ schedule: ScheduleDefinition, every interval: Duration, limit: Int = .max
    ) async {
        log(
            .notice(
                "schedule started",
                fields: ["function": function.logicalID, "schedule": schedule.expression]))
        var fired = 0
        while fired < limit {
            do {
                try await sleep(interval)
            } catch {
                return
            }
            await fire(function, schedule)
            fired += 1
        }
    }

    /// Runs `function` once with a scheduled event and logs the outcome.
    public func fire(_ function: FunctionDefinition, _ schedule: ScheduleDefinition) async {
        let event = ScheduledEvent(function: function, schedule: schedule, time: now())
        let started = ContinuousClock.now
        do {
            _ = try await invoker.invoke(function, event: event.json(for: schedule), requestID: event.id)
            let elapsed = ContinuousClock.now - started
            log(
                .notice(
                    "scheduled invocation",
                    fields: [
                        "function": function.logicalID, "schedule": schedule.expression, "request_id": event.id,
                        "duration_ms": String(elapsed.milliseconds),
                    ]))
            metrics?.recordScheduleRun(function: function.logicalID, succeeded: true)
        } catch {
            log(.failure(function: function.logicalID, requestID: event.id, error: error.message))
            metrics?.recordScheduleRun(function: function.logicalID, succeeded: false)
        }
    }
}

extension Duration {
    /// Milliseconds, rounded to the microsecond, for log lines.
    var milliseconds: Double {
        let exact = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        return (exact * 1000).rounded() / 1000
    }
}
