import FixtureSupport
import Foundation
import Testing

/// Runs scenarios against the built function executables, one process per step.
struct ScenarioRunner {
    let fixtures: URL
    let binaries: URL
    let dataDirectory: URL
    var captures: [String: String] = [:]

    init(dataDirectory: URL) {
        fixtures = Paths.fixtures
        binaries = Paths.binaries
        self.dataDirectory = dataDirectory
    }

    mutating func run(_ scenario: Scenario) async throws {
        for step in scenario.steps {
            try await run(step, in: scenario)
        }
    }

    private mutating func run(_ step: Scenario.Step, in scenario: Scenario) async throws {
        let context = "\(scenario.file) › \(step.name)"
        let input: Data
        if let raw = step.rawInput {
            input = Data(raw.utf8)
        } else {
            let event = try #require(step.event, "\(context): a step needs event or rawInput")
            input = Data(try expand(event).jsonText.utf8)
        }

        let result = try await FunctionProcess.run(
            binaries.appendingPathComponent(step.function), input: input,
            environment: (step.environment ?? [:]).merging(["ORDER_DATA_DIR": dataDirectory.path]) { $1 })

        let expect = step.expect
        #expect(result.exitCode == (expect.exitCode ?? 0), "\(context): exit status; stderr: \(result.standardError)")
        if let text = expect.stderrContains {
            #expect(result.standardError.contains(text), "\(context): stderr \(result.standardError)")
        }
        guard expect.exitCode == nil || expect.exitCode == 0 else { return }

        let response = try FixtureJSON.parse(result.standardOutput)
        let failures = ResponseMatcher(captures: captures).check(response, against: expect)
        for failure in failures {
            Issue.record("\(context): \(failure)\n  response: \(response)")
        }
        for (name, path) in step.capture ?? [:] {
            let body = try FixtureJSON.parse(Data(try #require(response.bodyText).utf8))
            guard case .string(let value)? = path.hasPrefix("body.") ? body[String(path.dropFirst(5))] : response[path]
            else {
                Issue.record("\(context): nothing to capture at \(path)")
                continue
            }
            captures[name] = value
        }
    }

    /// Resolves `$base`, `$remove`, `$repeat`, `${capture}` and a JSON `body` into the event to send.
    private func expand(_ value: FixtureJSON) throws -> FixtureJSON {
        switch value {
        case .object(var fields):
            if case .string(let text)? = fields["$repeat"], case .number(let count)? = fields["count"] {
                return .string(String(repeating: text, count: NSDecimalNumber(decimal: count).intValue))
            }
            if case .string(let file)? = fields.removeValue(forKey: "$base") {
                let base = try FixtureJSON.parse(Data(contentsOf: fixtures.appendingPathComponent(file)))
                return try expand(base.merging(.object(fields)))
            }
            var expanded = try fields.filter { $0.value != .object(["$remove": .bool(true)]) }.mapValues {
                try expand($0)
            }
            // A body written as JSON is sent as API Gateway sends it: a string.
            if let body = expanded["body"], case .object = body { expanded["body"] = .string(body.jsonText) }
            if let body = expanded["body"], case .array = body { expanded["body"] = .string(body.jsonText) }
            return .object(expanded)
        case .array(let items):
            return .array(try items.map { try expand($0) })
        case .string(let text):
            return .string(substitute(text))
        default:
            return value
        }
    }

    private func substitute(_ text: String) -> String {
        captures.reduce(text) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
    }
}

extension FixtureJSON {
    /// Deep merge: objects merge key by key, anything else is replaced by `other`.
    func merging(_ other: FixtureJSON) -> FixtureJSON {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs {
            // `{"$remove": true}` stays in place until expansion drops the key.
            mine[key] = mine[key].map { $0.merging(value) } ?? value
        }
        return .object(mine)
    }

    /// The `body` string of a proxy response.
    var bodyText: String? {
        if case .string(let text)? = self["body"] { return text }
        return nil
    }
}

/// Compares a proxy response with a step's expectation, allowing `{{pattern}}` placeholders in strings.
struct ResponseMatcher {
    var captures: [String: String]

    func check(_ response: FixtureJSON, against expect: Scenario.Expectation) -> [String] {
        var failures: [String] = []
        if let status = expect.statusCode, response["statusCode"] != .number(Decimal(status)) {
            failures.append("statusCode is \(response["statusCode"] ?? .null), expected \(status)")
        }
        var headers: [String: FixtureJSON] = [:]
        if case .object(let fields)? = response["headers"] {
            for (name, value) in fields { headers[name.lowercased()] = value }
        }
        for (name, value) in expect.headers ?? [:] {
            guard let actual = headers[name.lowercased()] else {
                failures.append("header \(name) is missing")
                continue
            }
            failures += match(actual, value, at: "header \(name)", exact: true)
        }
        for name in expect.absentHeaders ?? [] where headers[name.lowercased()] != nil {
            failures.append("header \(name) should be absent")
        }
        if expect.body != nil || expect.bodyIncludes != nil {
            guard let text = response.bodyText, let body = try? FixtureJSON.parse(Data(text.utf8)) else {
                return failures + ["body is not JSON: \(response.bodyText ?? "none")"]
            }
            if let expected = expect.body { failures += match(body, expected, at: "body", exact: true) }
            if let expected = expect.bodyIncludes { failures += match(body, expected, at: "body", exact: false) }
        }
        return failures
    }

    private func match(_ actual: FixtureJSON, _ expected: FixtureJSON, at path: String, exact: Bool) -> [String] {
        switch (actual, expected) {
        case (_, .string(let pattern)) where pattern.hasPrefix("{{") && pattern.hasSuffix("}}"):
            let name = String(pattern.dropFirst(2).dropLast(2))
            return Patterns.matches(actual, name) ? [] : ["\(path) is \(actual), expected \(pattern)"]
        case (.string(let text), .string(let wanted)):
            let wanted = captures.reduce(wanted) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
            return text == wanted
                ? [] : ["\(path) is \(actual.jsonText), expected \(FixtureJSON.string(wanted).jsonText)"]
        case (.object(let fields), .object(let wanted)):
            var failures: [String] = []
            for (key, value) in wanted {
                guard let present = fields[key] else {
                    failures.append("\(path).\(key) is missing")
                    continue
                }
                failures += match(present, value, at: "\(path).\(key)", exact: exact)
            }
            if exact {
                for key in fields.keys where wanted[key] == nil {
                    failures.append("\(path).\(key) is not expected (value \(fields[key]!))")
                }
            }
            return failures
        case (.array(let items), .array(let wanted)):
            guard items.count == wanted.count else {
                return ["\(path) has \(items.count) items, expected \(wanted.count)"]
            }
            return zip(items, wanted).enumerated().flatMap { index, pair in
                match(pair.0, pair.1, at: "\(path)[\(index)]", exact: exact)
            }
        default:
            return actual == expected ? [] : ["\(path) is \(actual), expected \(expected)"]
        }
    }
}

/// The placeholders a fixture may use for values the service chooses.
enum Patterns {
    static func matches(_ value: FixtureJSON, _ name: String) -> Bool {
        switch (name, value) {
        case ("any", _): return true
        case ("string", .string): return true
        case ("number", .number): return true
        case ("timestamp", .string(let text)):
            return text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil
        case ("ulid", .string(let text)):
            return text.wholeMatch(of: /[0-9A-HJKMNP-TV-Z]{26}/) != nil
        default: return false
        }
    }
}
