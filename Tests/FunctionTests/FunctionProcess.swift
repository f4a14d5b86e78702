import Foundation

/// Runs an executable with bytes on standard input and collects what it writes and how it exits.
enum FunctionProcess {
    struct Result {
        var exitCode: Int32
        var standardOutput: Data
        var standardError: String
    }

    /// Runs `executable` to completion.
    static func run(_ executable: URL, input: Data, environment: [String: String]) async throws -> Result {
        try await start(executable, input: input, environment: environment).wait()
    }

    /// Starts `executable` without waiting, so that many can run at once.
    /// Input and outputs go through files, so no pipe can fill up and stall.
    static func start(_ executable: URL, input: Data, environment: [String: String]) throws -> Running {
        let directory = try Paths.temporaryDirectory()
        let inputFile = directory.appendingPathComponent("stdin")
        try input.write(to: inputFile)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stdout").path, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stderr").path, contents: nil)

        let process = Process()
        process.executableURL = executable
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("stderr"))
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        try process.run()
        return Running(process: process, directory: directory, exited: exited.stream)
    }

    struct Running {
        let process: Process
        let directory: URL
        let exited: AsyncStream<Void>

        /// Waits for the exit without holding a thread: other tasks, such as a webhook receiver, keep running.
        func wait() async throws -> Result {
            for await _ in exited {}
            defer { try? FileManager.default.removeItem(at: directory) }
            return Result(
                exitCode: process.terminationStatus,
                standardOutput: try Data(contentsOf: directory.appendingPathComponent("stdout")),
                standardError: String(
                    decoding: try Data(contentsOf: directory.appendingPathComponent("stderr")), as: UTF8.self))
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
