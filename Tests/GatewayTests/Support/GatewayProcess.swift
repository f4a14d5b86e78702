import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where the tests find the fixtures and the built executables.
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("fixtures")
    static let gatewayFixtures = fixtures.appendingPathComponent("gateway")

    /// `ORDER_BIN_DIR` if set, else the directory of the test bundle, where SwiftPM puts the executables too.
    static let binaries: URL = {
        if let directory = ProcessInfo.processInfo.environment["ORDER_BIN_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("local-gateway").path), url.path != "/"
        {
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// A new empty directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A functions directory for `fixtures/gateway/template.yaml`: its scripts, made executable. In warm mode each
    /// script becomes `<name>.handler`, run per invocation by `runtime-loop.sh` installed as `<name>`.
    static func testFunctionsDirectory(for mode: GatewayMode = .perRequest) throws -> URL {
        let directory = try temporaryDirectory()
        let scripts = gatewayFixtures.appendingPathComponent("functions")
        for name in try FileManager.default.contentsOfDirectory(atPath: scripts.path) {
            let copy = directory.appendingPathComponent(mode == .warm ? "\(name).handler" : name)
            try FileManager.default.copyItem(at: scripts.appendingPathComponent(name), to: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
            if mode == .warm {
                let loop = directory.appendingPathComponent(name)
                try FileManager.default.copyItem(
                    at: gatewayFixtures.appendingPathComponent("runtime-loop.sh"), to: loop)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: loop.path)
            }
        }
        return directory
    }
}

/// How `start-api` runs the functions; every end-to-end test runs in both.
enum GatewayMode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// A process per request, the event on standard input.
    case perRequest = "per-request"
    /// `--warm`: processes kept running, speaking the Runtime API.
    case warm

    var arguments: [String] { self == .warm ? ["--warm"] : [] }
    var testDescription: String { rawValue }
}

/// The built `local-gateway` running as a process on a free port, its standard error in a file.
final class GatewayProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let logFile: URL
    private let directory: URL

    /// Starts `local-gateway start-api` with `arguments` and waits until it listens.
    init(_ arguments: [String]) throws {
        directory = try Paths.temporaryDirectory()
        logFile = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = Paths.binaries.appendingPathComponent("local-gateway")
        process.arguments = ["start-api", "--port", "0"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()

        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            found = Self.listeningPort(in: (try? String(contentsOf: logFile, encoding: .utf8)) ?? "")
        }
        guard let found else {
            process.terminate()
            throw GatewayNotListening(log: (try? String(contentsOf: logFile, encoding: .utf8)) ?? "")
        }
        port = found
    }

    struct GatewayNotListening: Error, CustomStringConvertible {
        var log: String
        var description: String { "the gateway did not start listening; its log:\n\(log)" }
    }

    private static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("\"msg\":\"listening\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let port = (object["port"] as? String).flatMap(Int.init)
            else { continue }
            return port
        }
        return nil
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The log's JSON lines with `msg` equal to `message`.
    func logLines(_ message: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["msg"] as? String == message }
    }

    /// The log's JSON lines with `msg` equal to `message`, once there are `count` of them or 5 s have passed: a
    /// warm function logs its invocation after handing back the response, so its line may come just after it.
    func logLines(_ message: String, waitingFor count: Int) async -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(5)
        var lines = logLines(message)
        while lines.count < count, Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            lines = logLines(message)
        }
        return lines
    }

    /// How many processes the gateway runs right now (its direct children: the function processes), read from
    /// `/proc`.
    func childProcessCount() -> Int {
        let parent = process.processIdentifier
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard entry.first?.isNumber == true,
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let nameEnd = stat.lastIndex(of: ")")
            else { return false }
            // After "pid (name)" come the state and the parent's pid.
            let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }.count
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A small HTTP client over URLSession, with enough connections for the parallel tests.
struct HTTPClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    let base: URL
    let session: URLSession
    /// Sent as `Authorization: Bearer <token>` with every request that sets no `Authorization` of its own.
    let token: String?

    init(port: Int, token: String? = nil) {
        self.token = token
        base = URL(string: "http://127.0.0.1:\(port)")!
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    func send(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> Response {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        return Response(status: http.statusCode, headers: fields, body: data)
    }

    func send(_ method: String, _ path: String, json: [String: Any]) async throws -> Response {
        try await send(method, path, body: try JSONSerialization.data(withJSONObject: json))
    }
}

/// Tokens from the development identity of a data directory, printed by the built `local-gateway token`.
enum DevelopmentTokens {
    /// Every scope the service's routes take.
    static let allScopes = "orders/create orders/read orders/update-status orders/admin"

    /// A token for `sub` with `scope`, for the service's `template.yaml`.
    static func token(dataDirectory: URL, sub: String = "e2e-tester", scope: String = allScopes, ttl: Int = 3600)
        throws -> String
    {
        let result = try run([
            "token", "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
            "--data-dir", dataDirectory.path, "--sub", sub, "--scope", scope, "--ttl", String(ttl),
        ])
        guard result.status == 0 else { throw TokenCommandFailed(error: result.error) }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the built `local-gateway` with `arguments` to its end.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = Paths.binaries.appendingPathComponent("local-gateway")
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    struct TokenCommandFailed: Error, CustomStringConvertible {
        var error: String
        var description: String { "local-gateway token failed: \(error)" }
    }
}

/// Order bodies for the tests.
enum Orders {
    static func create(id: String?, city: String = "Madrid") -> [String: Any] {
        let address: [String: Any] = ["line1": "Calle Mayor 1", "city": city, "country": "ES"]
        var body: [String: Any] = [
            "order_lines": [["sku": "SKU-1", "price": 10, "quantity": 2]],
            "shipping_address": address, "billing_address": address,
        ]
        if let id { body["id"] = id }
        return body
    }
}
