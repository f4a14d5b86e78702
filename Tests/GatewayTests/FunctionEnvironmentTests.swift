import Foundation
import Testing

@testable import LocalGateway

@Suite("Environment variables")
struct FunctionEnvironmentTests {
    static let function = FunctionDefinition(
        logicalID: "GetOrderFunction", codeURI: "functions/get-order", timeoutSeconds: 10, memorySize: 256,
        environment: ["ORDER_DATA_DIR": "/mnt/orders", "FROM_TEMPLATE": "template", "AWS_SAM_LOCAL": "no"])

    @Test("template, then --data-dir and Parameters, then the function's own overrides, then Lambda's variables")
    func precedence() {
        let environment = FunctionEnvironment(
            shared: ["ORDER_DATA_DIR": "/data", "SHARED": "parameters"],
            perFunction: ["GetOrderFunction": ["SHARED": "function"], "OtherFunction": ["SHARED": "other"]],
            functionsDirectory: "/bin/functions", inherited: ["PATH": "/usr/bin"])
        let variables = environment.variables(for: Self.function)
        #expect(variables["ORDER_DATA_DIR"] == "/data")
        #expect(variables["FROM_TEMPLATE"] == "template")
        #expect(variables["SHARED"] == "function")
        #expect(variables["PATH"] == "/usr/bin")
        #expect(variables["AWS_SAM_LOCAL"] == "true")
        #expect(variables["AWS_LAMBDA_FUNCTION_NAME"] == "GetOrderFunction")
        #expect(variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256")
        #expect(variables["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "10")
        #expect(variables["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST")
        #expect(variables["LAMBDA_TASK_ROOT"] == "/bin/functions")
        #expect(variables["_HANDLER"] == "bootstrap")
    }

    @Test("an env-vars file is read as sam local reads it")
    func envVarsFile() throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("env.json")
        try Data(#"{"Parameters":{"A":"1","B":2,"C":true},"GetOrderFunction":{"A":"x"}}"#.utf8).write(to: file)
        let overrides = try FunctionEnvironment.readEnvVarsFile(file.path)
        #expect(overrides.shared == ["A": "1", "B": "2", "C": "true"])
        #expect(overrides.perFunction == ["GetOrderFunction": ["A": "x"]])

        try Data(#"{"GetOrderFunction":{"A":{"nested":1}}}"#.utf8).write(to: file)
        #expect(throws: GatewayError.self) { try FunctionEnvironment.readEnvVarsFile(file.path) }
        #expect(throws: GatewayError.self) {
            try FunctionEnvironment.readEnvVarsFile(directory.appendingPathComponent("none").path)
        }
    }
}
