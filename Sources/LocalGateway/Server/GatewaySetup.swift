import Foundation

/// Everything the gateway's commands share: the template, where the executables are, the functions'
/// environment. Built from the command-line options, checked before anything runs.
public struct GatewaySetup: Sendable {
    public var template: ServerlessTemplate
    public var environment: FunctionEnvironment

    /// Reads the template and the env-vars file and resolves the directories.
    ///
    /// - Parameters:
    ///   - dataDirectory: becomes `ORDER_DATA_DIR`, made absolute so functions find it from anywhere.
    ///   - parameterOverrides: template parameters, replacing their defaults (``parameterOverrides(_:)``).
    /// - Throws: ``GatewayError`` for an unreadable or invalid template or env-vars file.
    public init(
        templatePath: String, functionsDirectory: String, dataDirectory: String?, envVarsFile: String?,
        parameterOverrides: [String: String] = [:]
    ) throws(GatewayError) {
        template = try ServerlessTemplate.load(fromFile: templatePath, parameterOverrides: parameterOverrides)
        var shared: [String: String] = [:]
        if let dataDirectory {
            shared["ORDER_DATA_DIR"] = Self.absolute(dataDirectory)
        }
        var perFunction: [String: [String: String]] = [:]
        if let envVarsFile {
            let overrides = try FunctionEnvironment.readEnvVarsFile(envVarsFile)
            shared.merge(overrides.shared) { $1 }
            perFunction = overrides.perFunction
        }
        environment = FunctionEnvironment(
            shared: shared, perFunction: perFunction, functionsDirectory: Self.absolute(functionsDirectory))
    }

    /// The cold-start invoker: a process per invocation.
    public var processInvoker: ProcessInvoker {
        ProcessInvoker(environment: environment)
    }

    /// The warm invoker: each function's processes kept running, up to `maximumWorkersPerFunction` of them; the
    /// waits for a worker are recorded in `metrics`.
    public func warmInvoker(maximumWorkersPerFunction: Int, metrics: GatewayMetrics? = nil) -> WarmInvoker {
        WarmInvoker(environment: environment, maximumWorkersPerFunction: maximumWorkersPerFunction, metrics: metrics)
    }

    /// Checks that every function's executable is built.
    ///
    /// - Throws: ``GatewayError`` `executable_missing` naming each function whose executable is not there.
    public func checkExecutables() throws(GatewayError) {
        let environment = processInvoker.environment
        let missing = template.functions.filter {
            !FileManager.default.isExecutableFile(atPath: environment.executablePath(for: $0))
        }
        guard !missing.isEmpty else { return }
        let list = missing.map { "\($0.logicalID) (\(environment.executablePath(for: $0)))" }.joined(separator: ", ")
        throw GatewayError(
            code: "executable_missing",
            message: "not built: \(list). Build the functions (swift build) or point --functions-dir at them.")
    }

    /// Reads `--parameter-overrides` as `sam local` takes them: `Key=Value` pairs separated by spaces (a value in
    /// single or double quotes may hold spaces), or `ParameterKey=Key,ParameterValue=Value`; each option may hold
    /// several, and a later one wins.
    ///
    /// - Throws: ``GatewayError`` `parameter_overrides_invalid` for a pair without `=`.
    public static func parameterOverrides(_ options: [String]) throws(GatewayError) -> [String: String] {
        var overrides: [String: String] = [:]
        for option in options {
            for pair in words(option) {
                var name: Substring
                var value: Substring
                if pair.hasPrefix("ParameterKey="), let comma = pair.range(of: ",ParameterValue=") {
                    name = pair[pair.index(pair.startIndex, offsetBy: "ParameterKey=".count)..<comma.lowerBound]
                    value = pair[comma.upperBound...]
                } else if let equals = pair.firstIndex(of: "="), equals != pair.startIndex {
                    name = pair[..<equals]
                    value = pair[pair.index(after: equals)...]
                } else {
                    throw GatewayError(
                        code: "parameter_overrides_invalid",
                        message: "--parameter-overrides takes Key=Value pairs separated by spaces, not \(pair)")
                }
                overrides[String(name)] = String(value)
            }
        }
        return overrides
    }

    /// Splits at unquoted spaces, removing the quotes.
    private static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                started = true
            } else if character == " " || character == "\t" || character == "\n" {
                if started { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        return words
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}
