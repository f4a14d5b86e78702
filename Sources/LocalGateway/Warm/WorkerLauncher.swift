import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Starts one worker of a function: its Runtime API endpoint, then its process, with the environment the
/// per-request invoker gives plus `AWS_LAMBDA_RUNTIME_API`, its output on the gateway's standard error; tells the
/// pool when it exits.
struct WorkerLauncher: Sendable {
    var environment: FunctionEnvironment

    /// Runs the worker until its process exits, then stops its endpoint.
    func run(function: FunctionDefinition, worker id: Int, pool: FunctionPool) async {
        let endpoint: RuntimeAPIEndpoint
        do {
            endpoint = try await RuntimeAPIEndpoint.start(pool: pool, worker: id)
        } catch {
            pool.exited(worker: id, status: "could not get a Runtime API endpoint (\(error))")
            return
        }
        defer { endpoint.stop() }

        let path = environment.executablePath(for: function)
        var variables = environment.variables(for: function)
        variables["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(endpoint.port)"
        // Subprocess copies each entry with strdup: the terminating NUL is ours to add.
        let entries = variables.map { Array("\($0.key)=\($0.value)\0".utf8) }
        var options = PlatformOptions()
        // Its own process group: a timeout kills whatever the function started too, and a Ctrl-C at the terminal
        // reaches the gateway alone, which then shuts its workers down in order.
        options.processGroupID = 0
        // Both outputs go straight to the gateway's standard error, as Lambda sends both to the log: no copy through
        // the gateway, and a line written at once by a function stays whole.
        let log = FileDescriptorOutput.fileDescriptor(.standardError, closeAfterSpawningProcess: false)

        let status: String
        do {
            let result = try await Subprocess.run(
                .path(FilePath(path)), environment: .custom(entries), platformOptions: options,
                input: .none, output: log, error: log
            ) { execution in
                endpoint.admit(processID: execution.processIdentifier.value)
                pool.started(worker: id, processID: execution.processIdentifier.value)
            }
            status =
                switch result.terminationStatus {
                case .exited(let code): "exited with status \(code)"
                case .signaled(let signal): "was killed by signal \(signal)"
                }
        } catch {
            pool.exited(worker: id, status: "could not be started (\(path): \(error))")
            return
        }
        pool.exited(worker: id, status: status)
    }
}
