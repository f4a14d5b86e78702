import Foundation
import Testing

/// Every file under `fixtures/scenarios/` is a test: its steps run against the built executables.
@Suite("Fixture scenarios")
struct FixtureTests {
    static let scenarios: [Scenario] = {
        let directory = Paths.fixtures.appendingPathComponent("scenarios")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().map { file in
            do {
                var scenario = try JSONDecoder().decode(
                    Scenario.self, from: Data(contentsOf: directory.appendingPathComponent(file)))
                scenario.file = "scenarios/\(file)"
                return scenario
            } catch {
                fatalError("fixtures/scenarios/\(file) is not a valid scenario: \(error)")
            }
        }
    }()

    @Test("there are scenarios to run")
    func scenariosExist() {
        #expect(Self.scenarios.count >= 10)
    }

    @Test("scenario", arguments: scenarios)
    func run(_ scenario: Scenario) async throws {
        let data = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        var runner = ScenarioRunner(dataDirectory: data)
        try await runner.run(scenario)
    }
}
