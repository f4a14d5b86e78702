import Foundation

/// The environment a function process gets, as `sam local` builds it: the template's variables (`Globals`,
/// then the function's own), then the gateway's overrides (`--data-dir`, then `--env-vars`), then the variables
/// Lambda itself sets, which nothing overrides.
public struct FunctionEnvironment: Sendable, Equatable {
    /// Variables for every function: `ORDER_DATA_DIR` from `--data-dir`, then the env-vars file's `Parameters`.
    public var shared: [String: String]
    /// Variables by logical id, from the env-vars file.
    public var perFunction: [String: [String: String]]
    /// The directory of the built executables, Lambda's `LAMBDA_TASK_ROOT`.
    public var functionsDirectory: String
    /// Variables passed through from the gateway's own environment, so that functions find their tools.
    public var inherited: [String: String]

    /// The variables of the template (`shared` from `Globals`, `perFunction` by logical id, as `--env-vars` gives them
    /// too), the executables' directory and what passes through from the gateway's environment.
    public init(
        shared: [String: String] = [:], perFunction: [String: [String: String]] = [:], functionsDirectory: String = "",
        inherited: [String: String] = FunctionEnvironment.inheritedFromProcess()
    ) {
        self.shared = shared
        self.perFunction = perFunction
        self.functionsDirectory = functionsDirectory
        self.inherited = inherited
    }

    /// The variables of the gateway's environment a function keeps: `PATH`, `HOME`, `LANG`, `TMPDIR`.
    public static func inheritedFromProcess() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR"].contains($0.key) }
    }

    /// The path of `function`'s executable: `<functions-dir>/<name>` for `CodeUri: functions/<name>`.
    public func executablePath(for function: FunctionDefinition) -> String {
        URL(fileURLWithPath: functionsDirectory).appendingPathComponent(function.executableName).path
    }

    /// The whole environment of `function`'s process.
    public func variables(for function: FunctionDefinition) -> [String: String] {
        var variables = inherited
        variables["TZ"] = ":UTC"
        variables["AWS_REGION"] = "us-east-1"
        variables["AWS_DEFAULT_REGION"] = "us-east-1"
        variables.merge(function.environment) { $1 }
        variables.merge(shared) { $1 }
        variables.merge(perFunction[function.logicalID] ?? [:]) { $1 }
        variables["AWS_LAMBDA_FUNCTION_NAME"] = function.logicalID
        variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.memorySize)
        variables["AWS_LAMBDA_FUNCTION_TIMEOUT"] = Self.seconds(function.timeoutSeconds)
        variables["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        variables["AWS_SAM_LOCAL"] = "true"
        variables["_HANDLER"] = function.handler
        variables["LAMBDA_TASK_ROOT"] = functionsDirectory
        return variables
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Reads a `sam local --env-vars` file: `{"Parameters": {...}, "<LogicalId>": {...}}`, values strings,
    /// numbers or booleans.
    ///
    /// - Throws: ``GatewayError`` `env_vars_invalid` when the file cannot be read or has another shape.
    public static func readEnvVarsFile(_ path: String) throws(GatewayError) -> (
        shared: [String: String], perFunction: [String: [String: String]]
    ) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw GatewayError(code: "env_vars_invalid", message: "cannot read the env-vars file \(path): \(error)")
        }
        guard let groups = object as? [String: Any] else {
            throw GatewayError(code: "env_vars_invalid", message: "\(path) must be a JSON object keyed by logical id")
        }
        var shared: [String: String] = [:]
        var perFunction: [String: [String: String]] = [:]
        for (key, value) in groups {
            guard let fields = value as? [String: Any] else {
                throw GatewayError(code: "env_vars_invalid", message: "\(path): \(key) must be an object of variables")
            }
            var variables: [String: String] = [:]
            for (name, value) in fields {
                switch value {
                case let text as String: variables[name] = text
                case let flag as Bool: variables[name] = flag ? "true" : "false"
                case let number as NSNumber: variables[name] = number.stringValue
                default:
                    throw GatewayError(
                        code: "env_vars_invalid", message: "\(path): \(key).\(name) must be a string, number or boolean"
                    )
                }
            }
            if key == "Parameters" { shared = variables } else { perFunction[key] = variables }
        }
        return (shared, perFunction)
    }
}
