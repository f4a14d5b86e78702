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
    /// - Throws: ``GatewayError`` for an unreadable or invalid template or env-vars file.
    public init(
        templatePath: String, functionsDirectory: String, dataDirectory: String?, envVarsFile: String?
    ) throws(GatewayError) {
        template = try ServerlessTemplate.load(fromFile: templatePath)
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

    /// The warm invoker: each function's processes kept running, up to `maximumWorkersPerFunction` of them.
    public func warmInvoker(maximumWorkersPerFunction: Int) -> WarmInvoker {
        WarmInvoker(environment: environment, maximumWorkersPerFunction: maximumWorkersPerFunction)
    }

    /// Checks that every function's executable is built.
    ///
    /// - Throws: ``GatewayError`` `executable_missing` naming each function whose executable is not there.
    public func checkExecutables() throws(GatewayError) {
        let invoker = processInvoker
        let missing = template.functions.filter {
            !FileManager.default.isExecutableFile(atPath: invoker.executablePath(for: $0))
        }
        guard !missing.isEmpty else { return }
        let list = missing.map { "\($0.logicalID) (\(invoker.executablePath(for: $0)))" }.joined(separator: ", ")
        throw GatewayError(
            code: "executable_missing",
            message: "not built: \(list). Build the functions (swift build) or point --functions-dir at them.")
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}
