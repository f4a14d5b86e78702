import Foundation
import FunctionRuntime
public import StructuredLog
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs each invocation as a new process of the function's executable: event on standard input, response on
/// standard output, log lines on standard error (passed through to the gateway's standard error as they come).
///
/// Waiting is asynchronous: no thread is blocked while a function runs, so invocations run in parallel.
///
/// The answer is complete when the process closes its standard output with something written: the invocation
/// returns it then, even if the process goes on with its after-response work (delivering an event, which against a
/// slow webhook takes seconds). That work is no client's wait: the process is still driven in the background, its
/// log lines forwarded and its `Timeout` enforced, and a failure after its answer is logged. A process that closes
/// its output with nothing written is judged when it exits, as before.
public struct ProcessInvoker: FunctionInvoker {

    public var environment: FunctionEnvironment
    /// Where a function's log lines go; by default the gateway's standard error.
    public var forwardLogLine: @Sendable ([UInt8]) -> Void
    /// Where a failure after an invocation's answer is logged.
    public var log: @Sendable (GatewayLogLine) -> Void
    /// The processes still running, answered or not, for ``shutdown()`` to wait for.
    private let running = RunningProcesses()

    /// Starts processes with `environment`; their log lines go to `forwardLogLine`, the invoker's own to `log`.
    public init(
        environment: FunctionEnvironment,
        forwardLogLine: @escaping @Sendable ([UInt8]) -> Void = { LogSink.standardError.write($0) },
        log: @escaping @Sendable (GatewayLogLine) -> Void = { $0.write() }
    ) {
        self.environment = environment
        self.forwardLogLine = forwardLogLine
        self.log = log
        Self.ignoreBrokenPipes()
    }

    /// Makes a write to a pipe whose reader has gone fail with `EPIPE` instead of killing the gateway with
    /// `SIGPIPE`: a function may exit without reading its event, or while the gateway writes to it. Process-wide
    /// and idempotent; every invoker calls it before it starts a process.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Runs `event` through a new process of `function` and returns its answer once complete, which may be before
    /// the process exits (see the type's description). The trace is dropped: a process per request has no Runtime
    /// API to hand it on.
    public func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]
    {
        let (answers, answer) = AsyncStream.makeStream(of: Result<[UInt8], InvocationError>.self)
        // Not a child task: the process outlives this call when it answers before it exits.
        running.start { [self] id in
            await run(function, event: event, requestID: requestID, process: id, answer: answer)
        }
        var iterator = answers.makeAsyncIterator()
        guard let result = await iterator.next() else {
            throw InvocationError(.failed, "\(function.logicalID): the invocation was cancelled")
        }
        return try result.get()
    }

    /// Gives the processes still running a second to finish (after-response work, by then: the server answers
    /// every request before it shuts down), then kills them, as the warm pool does its workers. An event a killed
    /// process was delivering stays pending, for `dispatch-events`.
    public func shutdown() async {
        await running.stop(grace: .seconds(1))
    }

    /// Waits for every process to exit on its own: their after-response work done, or their `Timeout` reached.
    public func waitForExits() async {
        await running.waitForAll()
    }

    /// Runs one process to its exit, giving `answer` the invocation's result as soon as it is known.
    private func run(
        _ function: FunctionDefinition, event: [UInt8], requestID: String, process id: Int,
        answer: AsyncStream<Result<[UInt8], InvocationError>>.Continuation
    ) async {
        let result: Result<[UInt8], InvocationError>
        do {
            result = .success(try await runToExit(function, event: event, process: id, answer: answer))
        } catch {
            result = .failure(error)
        }
        // A stream already finished refuses the value: the answer was given when the output closed.
        if case .terminated = answer.yield(result), case .failure(let error) = result {
            log(.failure(function: function.logicalID, requestID: requestID, error: "after its answer: \(error)"))
        }
        answer.finish()
    }

    private func runToExit(
        _ function: FunctionDefinition, event: [UInt8], process id: Int,
        answer: AsyncStream<Result<[UInt8], InvocationError>>.Continuation
    ) async throws(InvocationError) -> [UInt8] {
        let path = environment.executablePath(for: function)
        // Subprocess copies each entry with strdup: the terminating NUL is ours to add.
        let variables = environment.variables(for: function).map { Array("\($0.key)=\($0.value)\0".utf8) }
        var options = PlatformOptions()
        // Its own process group, so that a timeout kills whatever the function started too.
        options.processGroupID = 0
        let timeout = Duration.milliseconds(Int64(function.timeoutSeconds * 1000))
        let forward = forwardLogLine
        let running = self.running

        let outcome: Outcome
        let status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                .path(FilePath(path)), environment: .custom(variables), platformOptions: options,
                input: .inputWriter, output: .sequence, error: .sequence
            ) { execution in
                running.started(id, processID: execution.processIdentifier.value)
                return await Self.drive(
                    execution, event: event, timeout: timeout, forward: forward,
                    answered: { output in
                        answer.yield(.success(output))
                        answer.finish()
                    })
            }
            outcome = result.closureResult
            status = result.terminationStatus
        } catch {
            throw InvocationError(.launchFailed, "\(function.logicalID): cannot start \(path): \(error)")
        }

        if outcome.timedOut {
            throw InvocationError(
                .timedOut, "\(function.logicalID) ran past its \(function.timeoutSeconds) s timeout and was killed")
        }
        if outcome.responseTooLarge {
            throw InvocationError(
                .responseTooLarge, "\(function.logicalID) wrote more than \(InvocationLimits.maximumPayloadSize) bytes")
        }
        guard status.isSuccess else {
            let tail = String(decoding: outcome.errorTail, as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            throw InvocationError(.failed, "\(function.logicalID) \(Self.describe(status)); stderr: \(tail)")
        }
        return outcome.output
    }

    private static func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        }
    }

    /// What came of one run.
    struct Outcome: Sendable {
        var output: [UInt8] = []
        /// The last bytes of standard error, for the reason of a failure.
        var errorTail: [UInt8] = []
        var timedOut = false
        var responseTooLarge = false
    }

    private enum Piece: Sendable {
        case output([UInt8], tooLarge: Bool)
        case errorTail([UInt8])
        case timedOut
        case finished
    }

    /// Writes the event, reads both outputs to their end, and kills the process group at the deadline. `answered`
    /// gets the output as soon as standard output closes with something written, unless the deadline or the size
    /// limit has ended it.
    private static func drive(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>, event: [UInt8], timeout: Duration,
        forward: @escaping @Sendable ([UInt8]) -> Void, answered: @escaping @Sendable ([UInt8]) -> Void
    ) async -> Outcome {
        // Set before the deadline's kill, so that the output that kill closes is not taken for an answer.
        let killedAtDeadline = DeadlineFlag()
        return await withTaskGroup(of: Piece.self) { group in
            group.addTask {
                // A function may exit before reading its event; the write then fails, and that is its business.
                _ = try? await execution.standardInputWriter.write(event)
                try? await execution.standardInputWriter.finish()
                return .finished
            }
            group.addTask {
                var bytes: [UInt8] = []
                var tooLarge = false
                do {
                    for try await buffer in execution.standardOutput {
                        guard !tooLarge else { continue }
                        buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
                        if bytes.count > InvocationLimits.maximumPayloadSize {
                            tooLarge = true
                            bytes = []
                            try? execution.send(signal: .kill, toProcessGroup: true)
                        }
                    }
                } catch {
                    // A read error ends the output; what came so far is judged as the response.
                }
                if !tooLarge, !bytes.isEmpty, !killedAtDeadline.isSet { answered(bytes) }
                return .output(bytes, tooLarge: tooLarge)
            }
            group.addTask {
                var lines = LineSplitter()
                var tail: [UInt8] = []
                do {
                    for try await buffer in execution.standardError {
                        buffer.withUnsafeBytes { chunk in
                            for line in lines.append(chunk) { forward(line) }
                            tail.append(contentsOf: chunk)
                            if tail.count > 8192 { tail.removeFirst(tail.count - 8192) }
                        }
                    }
                } catch {
                    // As for standard output: keep what came.
                }
                if let rest = lines.finish() { forward(rest) }
                return .errorTail(tail)
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    return .finished
                }
                killedAtDeadline.set()
                try? execution.send(signal: .kill, toProcessGroup: true)
                return .timedOut
            }

            var outcome = Outcome()
            var streamsOpen = 2
            for await piece in group {
                switch piece {
                case .output(let bytes, let tooLarge):
                    outcome.output = bytes
                    outcome.responseTooLarge = tooLarge
                    streamsOpen -= 1
                case .errorTail(let bytes):
                    outcome.errorTail = bytes
                    streamsOpen -= 1
                case .timedOut:
                    outcome.timedOut = true
                case .finished:
                    break
                }
                // Both outputs closed: the process has exited (or closed them both), so the deadline is moot.
                if streamsOpen == 0 { group.cancelAll() }
            }
            return outcome
        }
    }
}

/// The processes an invoker has started and that have not exited yet, with the tasks that drive them.
private final class RunningProcesses: Sendable {
    private struct Entry {
        var task: Task<Void, Never>?
        var processID: pid_t?
    }

    private let state = Mutex<(next: Int, entries: [Int: Entry])>((0, [:]))

    /// Runs `body` in a task of its own, remembered until it ends; `body` gets the id to name its process with.
    func start(_ body: @escaping @Sendable (Int) async -> Void) {
        state.withLock { state in
            let id = state.next
            state.next += 1
            // The task takes the lock to remove itself, so it cannot do so before it is in place.
            state.entries[id] = Entry(
                task: Task { [self] in
                    await body(id)
                    _ = self.state.withLock { $0.entries.removeValue(forKey: id) }
                })
        }
    }

    /// Records the process of `id`, for ``stop(grace:)`` to kill.
    func started(_ id: Int, processID: pid_t) {
        state.withLock { $0.entries[id]?.processID = processID }
    }

    /// Returns once no process is left; each entry removes itself as its task ends.
    func waitForAll() async {
        while let task = state.withLock({ $0.entries.values.first?.task }) { await task.value }
    }

    /// Waits up to `grace` for every process to exit, then kills what is left, process groups and all, and waits
    /// for that.
    func stop(grace: Duration) async {
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, !state.withLock({ $0.entries.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let left = state.withLock { $0.entries.values.map { $0 } }
        for entry in left {
            if let processID = entry.processID { kill(-processID, SIGKILL) }
        }
        for entry in left { await entry.task?.value }
    }
}

/// Whether a process was killed at its deadline, shared by the tasks that drive it.
private final class DeadlineFlag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

/// Splits a byte stream into lines, each with its newline.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func append(_ chunk: UnsafeRawBufferPointer) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in chunk {
            pending.append(byte)
            if byte == UInt8(ascii: "\n") {
                lines.append(pending)
                pending = []
            }
        }
        return lines
    }

    /// The last line when it had no newline, with one added.
    mutating func finish() -> [UInt8]? {
        guard !pending.isEmpty else { return nil }
        defer { pending = [] }
        return pending + [UInt8(ascii: "\n")]
    }
}
