import Foundation

/// One run of a function executable that may be killed with SIGKILL part-way, as a crash or a lost machine would.
struct KillableInvocation {
    /// What the process left behind.
    let result: FunctionProcess.Result
    /// Whether SIGKILL ended it (a kill sent after it had exited on its own does not count).
    let wasKilled: Bool

    /// The whole proxy response it wrote, if it wrote one: what a client received. A process killed after
    /// writing its answer has still answered.
    var response: Events.Response? { Events.completeResponse(result.standardOutput) }

    /// Runs `function` with `event` on standard input; with `killAfter`, sends SIGKILL that long after the start.
    static func run(
        _ function: String, event: Data, environment: [String: String], killAfter delay: Duration?
    ) async throws -> KillableInvocation {
        let running = try FunctionProcess.start(
            Paths.binaries.appendingPathComponent(function), input: event, environment: environment)
        if let delay {
            try await Task.sleep(for: delay)
            running.send(SIGKILL)
        }
        let result = try await running.wait()
        return KillableInvocation(result: result, wasKilled: result.signal == SIGKILL)
    }
}
