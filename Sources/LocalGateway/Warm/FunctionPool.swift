import Foundation
import FunctionRuntime
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One invocation as a worker receives it from `invocation/next`.
struct WarmInvocation: Sendable {
    var requestID: String
    var event: [UInt8]
    var traceID: String?
    /// Lambda's `Lambda-Runtime-Deadline-Ms`: Unix milliseconds, set when a worker takes the invocation.
    var deadlineMilliseconds: Int64 = 0
}

/// The running processes of one function and its queue of invocations, as the Lambda service keeps execution
/// environments: each worker takes invocations from the shared queue through its Runtime API endpoint.
///
/// Workers start lazily, when an invocation waits and no worker is on its way to `invocation/next`, up to
/// `maximumWorkers`; further invocations wait in the queue. A worker that exits is forgotten and a new one starts
/// when one is needed; one that runs past the function's timeout is killed with its process group.
///
/// Before each invocation the pool looks at the executable on disk (``ExecutableBuild``). When it is another build
/// than the one its workers run, idle workers are stopped at once and busy ones once they have answered, so the
/// invocation, and every one after it, runs the new build: a `swift build` while the gateway runs is picked up by
/// the next request, as a process per request picks it up.
///
/// A lock, not an actor: the Runtime API's side is called on the endpoint's event loop and answers there at once,
/// without a hop to another thread and back for each of a worker's requests. Nothing is called out to while the
/// lock is held: each operation collects what it must do (answers, hand-overs, log lines) and does it after.
final class FunctionPool: Sendable {
    typealias Answer = Result<[UInt8], InvocationError>
    /// How a worker waiting in `invocation/next` is given its invocation, or `nil` when it must stop.
    typealias Delivery = @Sendable (WarmInvocation?) -> Void

    let function: FunctionDefinition
    let maximumWorkers: Int
    private let launcher: WorkerLauncher
    /// The function's executable, whose build the pool watches.
    private let executablePath: String
    /// Where the pool and its workers' endpoints log.
    let log: @Sendable (GatewayLogLine) -> Void
    /// Where the time each invocation waited for a worker is recorded, after the lock; `nil` for nowhere.
    private let metrics: GatewayMetrics?
    /// Where timeouts are scheduled.
    private let timers: any EventLoop
    private let state = Mutex(State())

    init(
        function: FunctionDefinition, maximumWorkers: Int, launcher: WorkerLauncher,
        log: @escaping @Sendable (GatewayLogLine) -> Void, metrics: GatewayMetrics? = nil
    ) {
        self.function = function
        self.maximumWorkers = max(1, maximumWorkers)
        self.launcher = launcher
        executablePath = launcher.environment.executablePath(for: function)
        self.log = log
        self.metrics = metrics
        timers = EventLoopTaskExecutor.gateway.loop
    }

    // MARK: - The gateway's side

    /// Queues one invocation and waits for its answer.
    func invoke(event: [UInt8], requestID: String, traceID: String?) async -> Answer {
        await withCheckedContinuation { answer in
            mutate { state, effects in
                // Under the lock, the one system call made there (a `stat`, about a microsecond): looked at outside,
                // a request's view of the file could be older than another's that changed the pool already, and
                // would undo the change.
                retireWorkers(ifRebuiltAs: ExecutableBuild.current(at: executablePath), &state, &effects)
                if state.shuttingDown {
                    effects.answer(answer, .failure(shuttingDownError))
                } else if let failure = state.startFailure, ContinuousClock.now < failure.retryAfter,
                    state.liveWorkers == 0
                {
                    effects.answer(answer, .failure(InvocationError(.initializationFailed, failure.reason)))
                } else {
                    let invocation = WarmInvocation(requestID: requestID, event: event, traceID: traceID)
                    state.queue.append(Pending(invocation: invocation, answer: answer))
                    dispatch(&state, &effects)
                }
            }
        }
    }

    /// The workers by state and the queue's length, as they stand.
    func size() -> WarmPoolSize {
        state.withLock { state in
            var size = WarmPoolSize(function: function.logicalID, queued: state.queue.count)
            for worker in state.workers.values where !worker.killed {
                switch worker.state {
                case .starting: size.starting += 1
                case .idle: size.idle += 1
                case .busy: size.busy += 1
                case .returning: size.returning += 1
                }
            }
            return size
        }
    }

    /// Kills every worker and waits for them to exit; invocations still queued fail. A worker that has just
    /// answered gets up to a second to finish what it does after the response (its log line) and come back to
    /// `invocation/next`.
    func shutdown() async {
        let grace = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < grace, state.withLock({ $0.workers.values.contains(where: \.isReturning) }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let tasks = mutate { state, effects -> [Task<Void, Never>] in
            state.shuttingDown = true
            failQueue(&state, &effects, shuttingDownError)
            var tasks: [Task<Void, Never>] = []
            for (id, worker) in state.workers {
                state.workers[id]?.killed = true
                if let processID = worker.processID { kill(-processID, SIGKILL) }
                if case .idle(let delivery) = worker.state {
                    state.workers[id]?.state = .returning
                    effects.deliveries.append((delivery, nil))
                }
                if let task = worker.task { tasks.append(task) }
            }
            state.idle = []
            return tasks
        }
        for task in tasks { await task.value }
    }

    private var shuttingDownError: InvocationError {
        InvocationError(.failed, "\(function.logicalID): the gateway is shutting down")
    }

    // MARK: - The Runtime API's side

    /// `invocation/next`: `delivery` gets the worker's next invocation once there is one (at once when one is
    /// queued), or `nil` when the worker must stop.
    func next(worker id: Int, delivery: @escaping Delivery) {
        mutate { state, effects in
            guard let worker = state.workers[id], !state.shuttingDown, !worker.killed else {
                effects.deliveries.append((delivery, nil))
                return
            }
            if case .busy(let requestID) = worker.state {
                finish(
                    &state, &effects, requestID,
                    .failure(
                        InvocationError(
                            .failed,
                            "\(function.logicalID) asked for the next invocation without answering \(requestID)")))
            }
            if case .starting = worker.state {
                // A worker that reached its loop: the function starts again, so failures start afresh.
                state.startFailure = nil
                state.backoff = .seconds(1)
            }
            if worker.retiring {
                // Its build has been replaced on disk: it has answered its last invocation.
                stop(worker: id, &state, &effects, delivery: delivery)
                return
            }
            if state.queue.isEmpty {
                state.workers[id]?.state = .idle(delivery)
                state.idle.append(id)
            } else {
                effects.deliveries.append((delivery, hand(&state, &effects, state.queue.removeFirst(), to: id)))
            }
        }
    }

    /// What became of a worker's answer for the Runtime API to say.
    enum Receipt: Sendable, Equatable {
        case accepted
        /// Not an invocation this worker holds.
        case unknownRequest
    }

    /// `invocation/{id}/response`.
    func respond(worker id: Int, requestID: String, body: [UInt8]) -> Receipt {
        complete(worker: id, requestID: requestID, with: .success(body))
    }

    /// `invocation/{id}/response` with a body over Lambda's limit.
    func respondTooLarge(worker id: Int, requestID: String) -> Receipt {
        complete(
            worker: id, requestID: requestID,
            with: .failure(
                InvocationError(
                    .responseTooLarge,
                    "\(function.logicalID) answered with more than \(InvocationLimits.maximumPayloadSize) bytes")))
    }

    /// `invocation/{id}/error`: the function reports that it could not handle the invocation.
    func fail(worker id: Int, requestID: String, type: String, message: String) -> Receipt {
        complete(
            worker: id, requestID: requestID,
            with: .failure(InvocationError(.failed, "\(function.logicalID) reported \(type): \(message)")))
    }

    /// `init/error`: the worker cannot start; it exits after this.
    func failInitialization(worker id: Int, type: String, message: String) {
        mutate { state, effects in
            guard state.workers[id] != nil else { return }
            let reason = "\(type): \(message)"
            state.workers[id]?.initFailure = reason
            startFailed(&state, &effects, reason)
        }
    }

    /// Ends the invocation `requestID` that worker `id` holds with `answer`.
    private func complete(worker id: Int, requestID: String, with answer: Answer) -> Receipt {
        mutate { state, effects in
            guard state.inFlight[requestID]?.worker == id else { return .unknownRequest }
            state.workers[id]?.state = .returning
            finish(&state, &effects, requestID, answer)
            return .accepted
        }
    }

    // MARK: - Workers

    /// Called by the launcher once the worker's process runs.
    func started(worker id: Int, processID: pid_t) {
        state.withLock { state in
            state.workers[id]?.processID = processID
            if state.shuttingDown || state.workers[id]?.killed == true { kill(-processID, SIGKILL) }
        }
    }

    /// Called by the launcher when the worker's process has exited (or never started: `status` says why).
    func exited(worker id: Int, status: String) {
        mutate { state, effects in
            guard let worker = state.workers.removeValue(forKey: id) else { return }
            state.idle.removeAll { $0 == id }
            // What it wrote before it went is in the gateway's log, just before this.
            let detail = "; its output is in the log above"
            switch worker.state {
            case .idle(let delivery):
                effects.deliveries.append((delivery, nil))
            case .busy(let requestID) where !worker.killed:
                finish(
                    &state, &effects, requestID,
                    .failure(
                        InvocationError(
                            .failed, "\(function.logicalID) \(status) while handling the invocation\(detail)")))
            case .starting where worker.initFailure == nil && !worker.killed && !state.shuttingDown:
                startFailed(
                    &state, &effects, "\(function.logicalID) \(status) before asking for an invocation\(detail)")
            default:
                break
            }
            if worker.retired {
                effects.logs.append(
                    .notice(
                        "worker retired", fields: ["function": function.logicalID, "reason": "function rebuilt"]))
            } else if !state.shuttingDown {
                effects.logs.append(
                    .notice(
                        "worker exited", level: "warning", fields: ["function": function.logicalID, "status": status]))
            }
            if !state.shuttingDown { dispatch(&state, &effects) }
        }
    }

    // MARK: - State

    private enum WorkerState {
        /// Launched, not yet asking for an invocation.
        case starting
        /// Waiting in `invocation/next`.
        case idle(Delivery)
        /// Handling an invocation.
        case busy(requestID: String)
        /// Answered its invocation; on its way back to `invocation/next`.
        case returning
    }

    private struct Worker {
        var state = WorkerState.starting
        var processID: pid_t?
        /// What the worker reported to `init/error`, if it did.
        var initFailure: String?
        /// Killed by the gateway (timeout, shutdown or a new build): its exit is expected and its invocation already
        /// answered.
        var killed = false
        /// The build of the executable it was started from.
        var build: ExecutableBuild?
        /// Its build has been replaced on disk: it stops once it has answered, instead of taking another invocation.
        var retiring = false
        /// Stopped for that reason.
        var retired = false
        var task: Task<Void, Never>?

        var isReturning: Bool {
            if case .returning = state { return !killed }
            return false
        }
    }

    private struct Pending {
        var invocation: WarmInvocation
        var answer: CheckedContinuation<Answer, Never>
        /// When it was queued, for the time it waits for a worker.
        var queuedAt = ContinuousClock.now
    }

    private struct InFlight {
        var answer: CheckedContinuation<Answer, Never>
        var worker: Int
        var timer: Scheduled<Void>
    }

    private struct State {
        var workers: [Int: Worker] = [:]
        /// Workers waiting in `invocation/next`, the most recent last, so the warmest is used first.
        var idle: [Int] = []
        var queue: [Pending] = []
        var inFlight: [String: InFlight] = [:]
        var nextWorkerID = 1
        var shuttingDown = false
        /// The last start failure, and until when no worker is started again.
        var startFailure: (reason: String, retryAfter: ContinuousClock.Instant)?
        var backoff = Duration.seconds(1)
        /// The executable's build as last seen on disk, which new workers run.
        var build: ExecutableBuild?

        var liveWorkers: Int { workers.values.filter { !$0.killed && $0.initFailure == nil }.count }
    }

    /// What an operation does once it has let go of the lock.
    private struct Effects {
        var answers: [(CheckedContinuation<Answer, Never>, Answer)] = []
        var deliveries: [(Delivery, WarmInvocation?)] = []
        var logs: [GatewayLogLine] = []
        /// How long each invocation handed to a worker waited for it.
        var waits: [Duration] = []

        mutating func answer(_ continuation: CheckedContinuation<Answer, Never>, _ answer: Answer) {
            answers.append((continuation, answer))
        }
    }

    private static let longestBackoff = Duration.seconds(30)

    private var timeout: Duration { .milliseconds(Int64(function.timeoutSeconds * 1000)) }

    /// Runs `body` under the lock, then does what it asked for.
    private func mutate<Result>(_ body: (inout State, inout Effects) -> Result) -> Result {
        var effects = Effects()
        let result = state.withLock { state in body(&state, &effects) }
        // Logged first: whoever gets an answer finds the lines about it already written.
        for line in effects.logs { log(line) }
        if let metrics {
            for wait in effects.waits { metrics.recordWarmPoolWait(function: function.logicalID, waited: wait) }
        }
        for (delivery, invocation) in effects.deliveries { delivery(invocation) }
        for (continuation, answer) in effects.answers { continuation.resume(returning: answer) }
        return result
    }

    /// Hands queued invocations to idle workers, and starts workers for those left, within the limit.
    private func dispatch(_ state: inout State, _ effects: inout Effects) {
        while !state.queue.isEmpty, let id = state.idle.popLast() {
            guard case .idle(let delivery) = state.workers[id]?.state else { continue }
            effects.deliveries.append((delivery, hand(&state, &effects, state.queue.removeFirst(), to: id)))
        }
        guard !state.queue.isEmpty, !state.shuttingDown else { return }
        if let failure = state.startFailure, ContinuousClock.now < failure.retryAfter {
            // No new worker until the back-off ends: what no running worker will take fails now, with the reason.
            if state.liveWorkers == 0 {
                failQueue(&state, &effects, InvocationError(.initializationFailed, failure.reason))
            }
            return
        }
        var coming = state.workers.values.filter {
            switch $0.state {
            case .starting, .returning: !$0.killed && !$0.retiring && $0.initFailure == nil
            default: false
            }
        }.count
        while state.queue.count > coming, state.workers.count < maximumWorkers {
            startWorker(&state)
            coming += 1
        }
    }

    private func hand(_ state: inout State, _ effects: inout Effects, _ pending: Pending, to id: Int) -> WarmInvocation
    {
        effects.waits.append(ContinuousClock.now - pending.queuedAt)
        var invocation = pending.invocation
        invocation.deadlineMilliseconds =
            Int64((Date().timeIntervalSince1970 * 1000).rounded()) + Int64(function.timeoutSeconds * 1000)
        let requestID = invocation.requestID
        let timer = timers.scheduleTask(in: .nanoseconds(Int64(function.timeoutSeconds * 1_000_000_000))) {
            [weak self] in
            guard let self else { return }
            timedOut(requestID)
        }
        state.inFlight[requestID] = InFlight(answer: pending.answer, worker: id, timer: timer)
        state.workers[id]?.state = .busy(requestID: requestID)
        return invocation
    }

    private func timedOut(_ requestID: String) {
        mutate { state, effects in
            guard let flight = state.inFlight[requestID] else { return }
            state.workers[flight.worker]?.killed = true
            if let processID = state.workers[flight.worker]?.processID { kill(-processID, SIGKILL) }
            finish(
                &state, &effects, requestID,
                .failure(
                    InvocationError(
                        .timedOut,
                        "\(function.logicalID) ran past its \(function.timeoutSeconds) s timeout and was killed")))
        }
    }

    private func finish(_ state: inout State, _ effects: inout Effects, _ requestID: String, _ answer: Answer) {
        guard let flight = state.inFlight.removeValue(forKey: requestID) else { return }
        flight.timer.cancel()
        effects.answer(flight.answer, answer)
    }

    private func failQueue(_ state: inout State, _ effects: inout Effects, _ error: InvocationError) {
        for pending in state.queue { effects.answer(pending.answer, .failure(error)) }
        state.queue = []
    }

    private func startFailed(_ state: inout State, _ effects: inout Effects, _ reason: String) {
        state.startFailure = (reason, ContinuousClock.now + state.backoff)
        effects.logs.append(
            .notice(
                "function cannot start", level: "error",
                fields: [
                    "function": function.logicalID, "error": reason,
                    "retry_after_s": "\(state.backoff.components.seconds)",
                ]))
        state.backoff = min(state.backoff * 2, Self.longestBackoff)
        if state.liveWorkers == 0 { failQueue(&state, &effects, InvocationError(.initializationFailed, reason)) }
    }

    private func startWorker(_ state: inout State) {
        let id = state.nextWorkerID
        state.nextWorkerID += 1
        let launcher = self.launcher
        let function = self.function
        // Detached: a worker outlives the request that started it, and must not inherit its graceful shutdown. What
        // it does to the pool takes the lock, so it finds its worker in place.
        let task = Task.detached { [self] in
            await launcher.run(function: function, worker: id, pool: self)
        }
        state.workers[id] = Worker(build: state.build, task: task)
    }

    /// When `onDisk` is another build than the last one seen, makes it the one new workers run: idle workers of
    /// older builds stop now, the others once they have answered (``Worker/retiring``). A build in the middle of
    /// being replaced (no file) changes nothing; a new build also ends the back-off of a function that could not
    /// start.
    private func retireWorkers(ifRebuiltAs onDisk: ExecutableBuild?, _ state: inout State, _ effects: inout Effects) {
        guard let onDisk, onDisk != state.build else { return }
        let previous = state.build
        state.build = onDisk
        guard previous != nil else { return }
        state.startFailure = nil
        state.backoff = .seconds(1)
        var stopped = 0
        var retiring = 0
        for (id, worker) in state.workers where !worker.killed && !worker.retiring && worker.build != onDisk {
            state.workers[id]?.retiring = true
            if case .idle(let delivery) = worker.state {
                stop(worker: id, &state, &effects, delivery: delivery)
                stopped += 1
            } else {
                retiring += 1
            }
        }
        effects.logs.append(
            .notice(
                "function rebuilt",
                fields: [
                    "function": function.logicalID, "executable": executablePath, "build": onDisk.description,
                    "idle_workers_stopped": String(stopped), "busy_workers_retiring": String(retiring),
                ]))
    }

    /// Retires a worker waiting in `invocation/next`: answers it with the signal to stop, and kills its process
    /// group, whose exit is then expected.
    private func stop(worker id: Int, _ state: inout State, _ effects: inout Effects, delivery: @escaping Delivery) {
        state.workers[id]?.killed = true
        state.workers[id]?.retired = true
        state.workers[id]?.state = .returning
        state.idle.removeAll { $0 == id }
        if let processID = state.workers[id]?.processID { kill(-processID, SIGKILL) }
        effects.deliveries.append((delivery, nil))
    }
}
