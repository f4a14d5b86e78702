import Foundation
import FunctionRuntime
public import StructuredLog
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs each invocation as a new process of the function's executable: event on standard input, response on
/// standard output, log lines on standard error (passed through to the gateway's standard error as they come).
///
/// Waiting is asynchronous: no thread is blocked while a function runs, so invocations run in parallel.
public struct ProcessInvoker: FunctionInvoker {

    public var environment: FunctionEnvironment
    /// Where a function's log lines go; by default the gateway's standard error.
    public var forwardLogLine: @Sendable ([UInt8]) -> Void

    public init(
        environment: FunctionEnvironment,
        forwardLogLine: @escaping @Sendable ([UInt8]) -> Void = { LogSink.standardError.write($0) }
    ) {
        self.environment = environment
        self.forwardLogLine = forwardLogLine
        // A function that exits without reading its event must not take the gateway down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The path of `function`'s executable: `<functions-dir>/<name>` for `CodeUri: functions/<name>`.
    public func executablePath(for function: FunctionDefinition) -> String {
        URL(fileURLWithPath: environment.functionsDirectory).appendingPathComponent(function.executableName).path
    }

    public func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String) async throws(InvocationError)
        -> [UInt8]
    {
        let path = executablePath(for: function)
        // Subprocess copies each entry with strdup: the terminating NUL is ours to add.
        let variables = environment.variables(for: function).map { Array("\($0.key)=\($0.value)\0".utf8) }
        var options = PlatformOptions()
        // Its own process group, so that a timeout kills whatever the function started too.
        options.processGroupID = 0
        let timeout = Duration.milliseconds(Int64(function.timeoutSeconds * 1000))
        let forward = forwardLogLine

        let outcome: Outcome
        let status: TerminationStatus
        do {
            let result = try await Subprocess.run(
                .path(FilePath(path)), environment: .custom(variables), platformOptions: options,
                input: .inputWriter, output: .sequence, error: .sequence
            ) { execution in
                await Self.drive(execution, event: event, timeout: timeout, forward: forward)
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

    /// Writes the event, reads both outputs to their end, and kills the process group at the deadline.
    private static func drive(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>, event: [UInt8], timeout: Duration,
        forward: @escaping @Sendable ([UInt8]) -> Void
    ) async -> Outcome {
        await withTaskGroup(of: Piece.self) { group in
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
                // Both outputs closed: the process has exited (or closed them), so the deadline is moot.
                if streamsOpen == 0 { group.cancelAll() }
            }
            return outcome
        }
    }
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
