import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an executable with bytes on standard input and collects what it writes and how it exits.
///
/// Processes are spawned with `posix_spawn` rather than Foundation's `Process`, whose `run()` on Linux can read past
/// a buffer while it lists open descriptors and crash the test process (swift-corelibs-foundation#5472); the
/// torture tests start thousands of processes.
enum FunctionProcess {
    struct Result {
        /// The exit status, or the number of the signal that ended the process.
        var exitCode: Int32
        /// The signal that ended the process, if one did.
        var signal: Int32?
        var standardOutput: Data
        var standardError: String
        /// From the start to the exit.
        var duration: Duration
    }

    /// Runs `executable` to completion.
    static func run(_ executable: URL, input: Data, environment: [String: String]) async throws -> Result {
        try await start(executable, input: input, environment: environment).wait()
    }

    /// A process that could not be started.
    struct SpawnFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `executable` without waiting, so that many can run at once.
    /// Input and outputs go through files, so no pipe can fill up and stall.
    static func start(_ executable: URL, input: Data, environment: [String: String]) throws -> Running {
        let directory = try Paths.temporaryDirectory()
        let file = { (name: String) in directory.appendingPathComponent(name).path }
        try input.write(to: directory.appendingPathComponent("stdin"))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, file("stdin"), O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let arguments = [executable.path]
        var cArguments = arguments.map { strdup($0) } + [nil]
        var cEnvironment = variables.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }

        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable.path, &actions, nil, &cArguments, &cEnvironment)
        guard status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw SpawnFailure(description: "cannot start \(executable.path): \(String(cString: strerror(status)))")
        }
        return Running(processIdentifier: pid, directory: directory)
    }

    /// A started process. It is reaped by a thread of its own, so waiting never holds one of the few threads that
    /// run the tests' tasks.
    final class Running: Sendable {
        let processIdentifier: pid_t
        let directory: URL
        private let started = ContinuousClock.now
        /// The exit status, and how long the process ran.
        private let exited = AsyncStream<(status: Int32, duration: Duration)>.makeStream()
        /// Whether the process has exited; a kill is only sent while it has not, so never to a recycled pid.
        private let hasExited = Mutex(false)

        init(processIdentifier: pid_t, directory: URL) {
            self.processIdentifier = processIdentifier
            self.directory = directory
            Thread.detachNewThread { [self] in reap() }
        }

        private func reap() {
            // Waits for the exit without reaping, so that the pid stays ours until `hasExited` is set.
            var information = siginfo_t()
            while waitid(P_PID, id_t(processIdentifier), &information, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            let duration = ContinuousClock.now - started
            hasExited.withLock { $0 = true }
            var status: Int32 = 0
            while waitpid(processIdentifier, &status, 0) < 0 && errno == EINTR {}
            exited.continuation.yield((status, duration))
            exited.continuation.finish()
        }

        /// Sends `signal` unless the process has already exited.
        func send(_ signal: Int32) {
            hasExited.withLock { exited in
                if !exited { _ = kill(processIdentifier, signal) }
            }
        }

        var isRunning: Bool { !hasExited.withLock { $0 } }

        /// Waits for the exit without holding a thread: other tasks, such as a webhook receiver, keep running.
        func wait() async throws -> Result {
            var status: Int32 = 0
            var duration = Duration.zero
            for await value in exited.stream { (status, duration) = value }
            defer { try? FileManager.default.removeItem(at: directory) }
            // The `WIFSIGNALED`/`WTERMSIG`/`WEXITSTATUS` macros, which Swift does not import.
            let signal = status & 0x7F
            let signalled = signal != 0 && signal != 0x7F
            return Result(
                exitCode: signalled ? signal : (status >> 8) & 0xFF, signal: signalled ? signal : nil,
                standardOutput: try Data(contentsOf: directory.appendingPathComponent("stdout")),
                standardError: String(
                    decoding: try Data(contentsOf: directory.appendingPathComponent("stderr")), as: UTF8.self),
                duration: duration)
        }
    }
}

/// Where the tests find the fixtures and the built executables.
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("fixtures")

    /// `ORDER_BIN_DIR` if set, else the directory of the test bundle, where SwiftPM puts the executables too.
    static let binaries: URL = {
        if let directory = ProcessInfo.processInfo.environment["ORDER_BIN_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("get-order").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// A new empty directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("order-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
