import Foundation
import Testing

/// `start-api --warm` picks up a new build of a function: the built `local-gateway` serves a function whose
/// executable is a file in a temporary directory, and the test puts another executable in its place, as a build does.
@Suite("End to end: warm reload on rebuild", .serialized)
struct WarmReloadEndToEndTests {
    /// One function, `GET /build`, answered by whatever executable `functions/build` is.
    static let template = """
        Resources:
          BuildFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: functions/build
              Timeout: 60
              Events:
                Build:
                  Type: HttpApi
                  Properties: { Path: /build, Method: GET }
        """

    /// A Lambda custom runtime in `sh` and curl that answers every invocation with `name` as its body. An invocation
    /// with `slow` in its query is held: the runtime creates `taken` in `gate` once it has it, and answers once the
    /// test creates `release` there, so the test, not a clock, says how long the worker stays busy. The whole loop is
    /// in each build, not `runtime-loop.sh` calling a handler beside it: a worker of an old build then cannot answer
    /// as the new one.
    static func runtime(answering name: String, gate: URL? = nil) -> String {
        let hold = gate.map { "touch '\($0.path)/taken'; while [ ! -e '\($0.path)/release' ]; do sleep 0.02; done" }
        return """
            #!/bin/sh
            api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
            work=$(mktemp -d)
            trap 'rm -rf "$work"' EXIT
            while :; do
                curl -sSf -D "$work/headers" -o "$work/event" "$api/invocation/next" || exit 0
                id=$(grep -i '^lambda-runtime-aws-request-id:' "$work/headers" | cut -d: -f2 | tr -d ' \\r')
                if grep -q '"slow"' "$work/event"; then \(hold ?? ":"); fi
                curl -sSf -o /dev/null -X POST --data-binary '{"statusCode":200,"body":"\(name)"}' \\
                    "$api/invocation/$id/response" || exit 1
            done
            """
    }

    /// Waits until `file` exists, for as long as a loaded machine may need.
    static func waitUntilExists(_ file: URL) async throws {
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: file.path) {
            guard Date() < deadline else { throw CocoaError(.fileNoSuchFile) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Writes a new file beside `executable` and renames it over it, as a linker or `cp` to a temporary name does.
    static func install(_ script: String, at executable: URL) throws {
        let fresh = executable.appendingPathExtension("new")
        try script.write(to: fresh, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fresh.path)
        guard rename(fresh.path, executable.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    @Test("a busy worker finishes its invocation on the old build; the next request, and an idle worker's, run the new")
    func reload() async throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let functions = directory.appendingPathComponent("functions")
        try FileManager.default.createDirectory(at: functions, withIntermediateDirectories: true)
        let executable = functions.appendingPathComponent("build")
        let gate = directory.appendingPathComponent("gate")
        try FileManager.default.createDirectory(at: gate, withIntermediateDirectories: true)
        try Self.install(Self.runtime(answering: "build-1", gate: gate), at: executable)
        let templateFile = directory.appendingPathComponent("template.yaml")
        try Self.template.write(to: templateFile, atomically: true, encoding: .utf8)
        let gateway = try GatewayProcess([
            "--template", templateFile.path, "--functions-dir", functions.path,
            "--data-dir", directory.appendingPathComponent("data").path, "--warm", "--max-concurrency", "1",
        ])
        defer { gateway.stop() }
        let client = HTTPClient(port: gateway.port)
        #expect(try await client.send("GET", "/build").text == "build-1")

        // The worker holds an invocation when the new build lands and a request for the one slot arrives: it answers
        // on the old build, and the waiting request runs on the new.
        let busy = Task { try await client.send("GET", "/build?slow=1").text }
        try await Self.waitUntilExists(gate.appendingPathComponent("taken"))
        try Self.install(Self.runtime(answering: "build-2"), at: executable)
        let waiting = Task { try await client.send("GET", "/build") }
        #expect(await gateway.logLines("function rebuilt", waitingFor: 1).count == 1)
        FileManager.default.createFile(atPath: gate.appendingPathComponent("release").path, contents: nil)
        let next = try await waiting.value
        #expect(try await busy.value == "build-1")
        #expect(next.text == "build-2")
        let rebuilt = gateway.logLines("function rebuilt")
        #expect(rebuilt.count == 1)
        #expect(rebuilt.first?["function"] as? String == "BuildFunction")
        #expect(rebuilt.first?["busy_workers_retiring"] as? String == "1", "\(gateway.log)")
        #expect(await gateway.logLines("worker retired", waitingFor: 1).count == 1)

        // An idle worker of the old build is stopped at once. Idle once its loop is back in `invocation/next`, a
        // moment after its answer; should it not be yet, it retires as a busy one does.
        try await Task.sleep(for: .milliseconds(500))
        try Self.install(Self.runtime(answering: "build-3"), at: executable)
        #expect(try await client.send("GET", "/build").text == "build-3")
        let second = try #require(gateway.logLines("function rebuilt").last)
        let stopped = (second["idle_workers_stopped"] as? String).flatMap(Int.init) ?? 0
        let retiring = (second["busy_workers_retiring"] as? String).flatMap(Int.init) ?? 0
        #expect(stopped + retiring == 1, "\(second)")
        #expect(await gateway.logLines("worker retired", waitingFor: 2).count == 2)
        #expect(gateway.logLines("worker exited").isEmpty)
        #expect(try await client.send("GET", "/build").text == "build-3")
        #expect(gateway.logLines("function rebuilt").count == 2)
    }
}
