import Foundation
import Testing

/// Every request of `fixtures/bad-input/` sent through the built gateway and the real functions, byte for byte.
///
/// Each must get a clear 4xx in the service's error envelope, with nothing crashing, and must leave the data
/// directory as it found it: no order, no temp file, no lock file, nothing written beside it.
@Suite("Bad input through the gateway", .serialized)
struct BadInputTests {
    @Test("every bad-input fixture is a clear 4xx in the envelope and changes nothing", arguments: GatewayMode.allCases)
    func battery(mode: GatewayMode) async throws {
        let cases = try BadInputCase.all()
        #expect(cases.count >= 50, "the battery lost its fixtures: \(cases.count)")

        // The data directory sits alone in a sandbox, so that a write beside it shows too.
        let sandbox = try Paths.temporaryDirectory()
        let data = sandbox.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let gateway = try GatewayProcess(
            [
                "--template", Paths.packageRoot.appendingPathComponent("template.yaml").path,
                "--functions-dir", Paths.binaries.path, "--data-dir", data.path,
            ] + mode.arguments)
        defer {
            gateway.stop()
            try? FileManager.default.removeItem(at: sandbox)
        }
        let client = RawHTTPExchange(port: gateway.port)
        // With a token that has every scope, each case reaches the check it is about.
        let authorization = (
            name: "Authorization", value: Array("Bearer \(try DevelopmentTokens.token(dataDirectory: data))".utf8)
        )

        // One harmless request first, so the snapshot includes what opening the store creates.
        let warmUp = try client.send(
            method: Array("GET".utf8), target: Array("/order/none".utf8), headers: [authorization], body: [])
        #expect(warmUp.status == 404)
        let before = try Self.tree(sandbox)

        for badInput in cases {
            let request = badInput.request
            let sent = (request.headers ?? [:]).sorted { $0.key < $1.key }
            let headers =
                sent.compactMap { field in field.value.map { (name: field.key, value: $0.bytes) } } + [authorization]
            let omitted = Set(sent.filter { $0.value == nil }.map(\.key))
            let response: RawHTTPExchange.Response
            do {
                response = try client.send(
                    method: request.method.bytes, target: request.path.bytes, headers: headers,
                    body: request.bodyBytes, omitted: omitted)
            } catch {
                Issue.record("\(badInput.file): \(error)")
                continue
            }
            Self.check(response, against: badInput)
        }

        #expect(gateway.process.isRunning, "the gateway died during the battery")
        #expect(gateway.logLines("function failed").isEmpty, "\(gateway.logLines("function failed"))")
        let after = try Self.tree(sandbox)
        #expect(after == before, "files appeared: \(after.subtracting(before)); vanished: \(before.subtracting(after))")
    }

    /// Checks one answer: the expected status and code, the envelope, a message that says what to fix.
    static func check(_ response: RawHTTPExchange.Response, against badInput: BadInputCase) {
        let file = badInput.file
        let expected = badInput.expect
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == expected.status, "\(file): \(response.status) \(text.prefix(300))")
        #expect((400..<500).contains(response.status), "\(file): not a 4xx: \(response.status)")
        #expect(
            response.header("Content-Type")?.hasPrefix("application/json") == true,
            "\(file): Content-Type \(response.header("Content-Type") ?? "none")")

        let envelope = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        #expect(envelope["type"] as? String == "api_error", "\(file): not the error envelope: \(text.prefix(300))")
        #expect(envelope["code"] as? String == expected.code, "\(file): \(text.prefix(300))")
        let message = envelope["message"] as? String ?? ""
        // A message that names what to fix is a sentence, not a bare code.
        #expect(message.count >= 20, "\(file): message too short to say what to fix: '\(message)'")
        for part in expected.messageIncludes ?? [] {
            #expect(message.contains(part), "\(file): message '\(message)' does not say '\(part)'")
        }

        let details = envelope["details"] as? [[String: Any]] ?? []
        let fields = Set(details.compactMap { $0["field"] as? String })
        for field in expected.detailFields ?? [] {
            #expect(fields.contains(field), "\(file): details do not name \(field): \(fields.sorted())")
        }
        for detail in details {
            #expect((detail["message"] as? String ?? "").count >= 5, "\(file): an empty detail: \(detail)")
        }
        for (name, value) in expected.headers ?? [:] {
            #expect(response.header(name) == value, "\(file): \(name) is \(response.header(name) ?? "absent")")
        }
    }

    /// Every path under `root`, relative to it, directories with a trailing `/`.
    static func tree(_ root: URL) throws -> Set<String> {
        var paths: Set<String> = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
            paths.insert(isDirectory.boolValue ? path + "/" : path)
        }
        return paths
    }
}
