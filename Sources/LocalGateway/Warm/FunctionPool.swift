import Foundation

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
actor FunctionPool {
    typealias Answer = Result<[UInt8], InvocationError>

    let function: FunctionDefinition
    let maximumWorkers: Int
    private let launcher: WorkerLauncher
    private let log: @Sendable (GatewayLogLine) -> Void

    private enum State {
        /// Launched, not yet asking for an invocation.
        case starting
        /// Waiting in `invocation/next`.
        case idle(CheckedContinuation<WarmInvocation?, Never>)
        /// Handling an invocation.
        case busy(requestID: String)
        /// Answered its invocation; on its way back to `invocation/next`.
        case returning
    }

    private struct Worker {
        var state = State.starting
        var processID: pid_t?
        /// What the worker reported to `init/error`, if it did.
        var initFailure: String?
        /// Killed by the gateway (timeout or shutdown): its exit is expected and its invocation already answered.
        var killed = false
        var task: Task<Void, Never>?

        var isReturning: Bool {
            if case .returning = state { return !killed }
            return false
        }
    }

    private struct Pending {
        var invocation: WarmInvocation
        var answer: CheckedContinuation<Answer, Never>
    }

    private struct InFlight {
        var answer: CheckedContinuation<Answer, Never>
        var worker: Int
        var timer: Task<Void, Never>
    }

    private var workers: [Int: Worker] = [:]
    /// Workers waiting in `invocation/next`, the most recent last, so the warmest is used first.
    private var idle: [Int] = []
    private var queue: [Pending] = []
    private var inFlight: [String: InFlight] = [:]
    private var nextWorkerID = 1
    private var shuttingDown = false
    /// The last start failure, and until when no worker is started again.
    private var startFailure: (reason: String, retryAfter: ContinuousClock.Instant)?
    private var backoff = Duration.seconds(1)
    private static let longestBackoff = Duration.seconds(30)

    init(
        function: FunctionDefinition, maximumWorkers: Int, launcher: WorkerLauncher,
        log: @escaping @Sendable (GatewayLogLine) -> Void
    ) {
        self.function = function
        self.maximumWorkers = max(1, maximumWorkers)
        self.launcher = launcher
        self.log = log
    }

    private var timeout: Duration { .milliseconds(Int64(function.timeoutSeconds * 1000)) }

    // MARK: - The gateway's side

    /// Queues one invocation and waits for its answer.
    func invoke(event: [UInt8], requestID: String, traceID: String?) async -> Answer {
        if shuttingDown {
            return .failure(InvocationError(.failed, "\(function.logicalID): the gateway is shutting down"))
        }
        if let failure = startFailure, ContinuousClock.now < failure.retryAfter, liveWorkers == 0 {
            return .failure(InvocationError(.initializationFailed, failure.reason))
        }
        return await withCheckedContinuation { answer in
            queue.append(
                Pending(
                    invocation: WarmInvocation(requestID: requestID, event: event, traceID: traceID), answer: answer))
            dispatch()
        }
    }

    /// Kills every worker and waits for them to exit; invocations still queued fail. A worker that has just
    /// answered gets up to a second to finish what it does after the response (its log line) and come back to
    /// `invocation/next`.
    func shutdown() async {
        let grace = ContinuousClock.now + .seconds(1)
        while ContinuousClock.now < grace, workers.values.contains(where: \.isReturning) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        shuttingDown = true
        for pending in queue {
            pending.answer.resume(
                returning: .failure(InvocationError(.failed, "\(function.logicalID): the gateway is shutting down")))
        }
        queue = []
        var tasks: [Task<Void, Never>] = []
        for (id, worker) in workers {
            workers[id]?.killed = true
            if let processID = worker.processID { kill(-processID, SIGKILL) }
            if case .idle(let waiter) = worker.state {
                workers[id]?.state = .returning
                waiter.resume(returning: nil)
            }
            if let task = worker.task { tasks.append(task) }
        }
        idle = []
        for task in tasks { await task.value }
    }

    // MARK: - The Runtime API's side

    /// `invocation/next`: the worker's next invocation, once there is one; `nil` when the worker must stop.
    func next(worker id: Int) async -> WarmInvocation? {
        guard let worker = workers[id], !shuttingDown, !worker.killed else { return nil }
        if case .busy(let requestID) = worker.state {
            finish(
                requestID,
                .failure(
                    InvocationError(
                        .failed, "\(function.logicalID) asked for the next invocation without answering \(requestID)")))
        }
        if case .starting = worker.state {
            // A worker that reached its loop: the function starts again, so failures start afresh.
            startFailure = nil
            backoff = .seconds(1)
        }
        if !queue.isEmpty {
            return hand(queue.removeFirst(), to: id)
        }
        return await withCheckedContinuation { waiter in
            workers[id]?.state = .idle(waiter)
            idle.append(id)
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
        guard inFlight[requestID]?.worker == id else { return .unknownRequest }
        workers[id]?.state = .returning
        finish(requestID, .success(body))
        return .accepted
    }

    /// `invocation/{id}/response` with a body over Lambda's limit.
    func respondTooLarge(worker id: Int, requestID: String) -> Receipt {
        guard inFlight[requestID]?.worker == id else { return .unknownRequest }
        workers[id]?.state = .returning
        finish(
            requestID,
            .failure(
                InvocationError(
                    .responseTooLarge,
                    "\(function.logicalID) answered with more than \(ProcessInvoker.maximumResponseSize) bytes")))
        return .accepted
    }

    /// `invocation/{id}/error`: the function reports that it could not handle the invocation.
    func fail(worker id: Int, requestID: String, type: String, message: String) -> Receipt {
        guard inFlight[requestID]?.worker == id else { return .unknownRequest }
        workers[id]?.state = .returning
        finish(requestID, .failure(InvocationError(.failed, "\(function.logicalID) reported \(type): \(message)")))
        return .accepted
    }

    /// `init/error`: the worker cannot start; it exits after this.
    func failInitialization(worker id: Int, type: String, message: String) {
        guard workers[id] != nil else { return }
        let reason = "\(type): \(message)"
        workers[id]?.initFailure = reason
        startFailed(reason)
    }

    // MARK: - Workers

    /// Called by the launcher once the worker's process runs.
    func started(worker id: Int, processID: pid_t) {
        workers[id]?.processID = processID
        if shuttingDown || workers[id]?.killed == true { kill(-processID, SIGKILL) }
    }

    /// Called by the launcher when the worker's process has exited (or never started: `status` says why).
    func exited(worker id: Int, status: String) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        idle.removeAll { $0 == id }
        // What it wrote before it went is in the gateway's log, just before this.
        let detail = "; its output is in the log above"
        switch worker.state {
        case .idle(let waiter):
            waiter.resume(returning: nil)
        case .busy(let requestID) where !worker.killed:
            finish(
                requestID,
                .failure(
                    InvocationError(
                        .failed, "\(function.logicalID) \(status) while handling the invocation\(detail)")))
        case .starting where worker.initFailure == nil && !worker.killed && !shuttingDown:
            startFailed("\(function.logicalID) \(status) before asking for an invocation\(detail)")
        default:
            break
        }
        if !shuttingDown {
            log(.notice("worker exited", level: "warning", fields: ["function": function.logicalID, "status": status]))
            dispatch()
        }
    }

    private var liveWorkers: Int { workers.values.filter { !$0.killed && $0.initFailure == nil }.count }

    /// Hands queued invocations to idle workers, and starts workers for those left, within the limit.
    private func dispatch() {
        while !queue.isEmpty, let id = idle.popLast() {
            guard case .idle(let waiter) = workers[id]?.state else { continue }
            waiter.resume(returning: hand(queue.removeFirst(), to: id))
        }
        guard !queue.isEmpty, !shuttingDown else { return }
        if let failure = startFailure, ContinuousClock.now < failure.retryAfter {
            // No new worker until the back-off ends: what no running worker will take fails now, with the reason.
            if liveWorkers == 0 { failQueue(InvocationError(.initializationFailed, failure.reason)) }
            return
        }
        var coming = workers.values.filter {
            switch $0.state {
            case .starting, .returning: !$0.killed && $0.initFailure == nil
            default: false
            }
        }.count
        while queue.count > coming, workers.count < maximumWorkers {
            startWorker()
            coming += 1
        }
    }

    private func hand(_ pending: Pending, to id: Int) -> WarmInvocation {
        var invocation = pending.invocation
        invocation.deadlineMilliseconds =
            Int64((Date().timeIntervalSince1970 * 1000).rounded()) + Int64(function.timeoutSeconds * 1000)
        let requestID = invocation.requestID
        let timeout = self.timeout
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            await self?.timedOut(requestID)
        }
        inFlight[requestID] = InFlight(answer: pending.answer, worker: id, timer: timer)
        workers[id]?.state = .busy(requestID: requestID)
        return invocation
    }

    private func timedOut(_ requestID: String) {
        guard let flight = inFlight[requestID] else { return }
        workers[flight.worker]?.killed = true
        if let processID = workers[flight.worker]?.processID { kill(-processID, SIGKILL) }
        finish(
            requestID,
            .failure(
                InvocationError(
                    .timedOut, "\(function.logicalID) ran past its \(function.timeoutSeconds) s timeout and was killed")
            ))
    }

    private func finish(_ requestID: String, _ answer: Answer) {
        guard let flight = inFlight.removeValue(forKey: requestID) else { return }
        flight.timer.cancel()
        flight.answer.resume(returning: answer)
    }

    private func failQueue(_ error: InvocationError) {
        let failed = queue
        queue = []
        for pending in failed { pending.answer.resume(returning: .failure(error)) }
    }

    private func startFailed(_ reason: String) {
        startFailure = (reason, ContinuousClock.now + backoff)
        log(
            .notice(
                "function cannot start", level: "error",
                fields: [
                    "function": function.logicalID, "error": reason, "retry_after_s": "\(backoff.components.seconds)",
                ]))
        backoff = min(backoff * 2, Self.longestBackoff)
        if liveWorkers == 0 { failQueue(InvocationError(.initializationFailed, reason)) }
    }

    private func startWorker() {
        let id = nextWorkerID
        nextWorkerID += 1
        workers[id] = Worker()
        let launcher = self.launcher
        let function = self.function
        // Detached: a worker outlives the request that started it, and must not inherit its graceful shutdown.
        workers[id]?.task = Task.detached { [self] in
            await launcher.run(function: function, worker: id, pool: self)
        }
    }
}
