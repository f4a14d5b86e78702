import Foundation
import Yams

extension ServerlessTemplate {
    /// Reads the template file at `path`.
    ///
    /// - Throws: ``GatewayError`` `template_unreadable` when the file cannot be read or is not YAML,
    ///   `template_invalid` when a function lacks what the gateway needs.
    public static func load(fromFile path: String) throws(GatewayError) -> ServerlessTemplate {
        guard FileManager.default.fileExists(atPath: path) else {
            throw GatewayError(code: "template_unreadable", message: "there is no template at \(path)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GatewayError(code: "template_unreadable", message: "cannot read the template \(path): \(error)")
        }
        return try parse(yaml: text, source: path)
    }

    /// Reads a template from its YAML text; `source` names it in errors.
    ///
    /// CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, …) are accepted; `Ref`s to parameters
    /// resolve to their `Default`.
    public static func parse(yaml: String, source: String = "template.yaml") throws(GatewayError)
        -> ServerlessTemplate
    {
        let root: TemplateValue
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw GatewayError(code: "template_unreadable", message: "\(source) is empty")
            }
            root = TemplateValue(node)
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError(code: "template_unreadable", message: "\(source) is not valid YAML: \(error)")
        }
        guard case .map = root, let resources = root["Resources"] else {
            throw .templateInvalid("\(source) has no Resources")
        }

        var parameters: [String: String] = [:]
        for entry in root["Parameters"]?.entries ?? [] {
            if case .scalar(let value)? = entry.value["Default"] { parameters[entry.key] = value }
        }
        let resolver = IntrinsicResolver(parameters: parameters, resourceIDs: Set(resources.entries.map(\.key)))
        let globals = root["Globals"]?["Function"] ?? .map([])

        var functions: [FunctionDefinition] = []
        for resource in resources.entries where resource.value["Type"] == .scalar("AWS::Serverless::Function") {
            let properties = globals.merging(resource.value["Properties"] ?? .map([]))
            functions.append(try FunctionReader(id: resource.key, properties: properties, resolver: resolver).read())
        }
        return ServerlessTemplate(functions: functions)
    }
}

/// Reads one function's merged properties.
private struct FunctionReader {
    var id: String
    var properties: TemplateValue
    var resolver: IntrinsicResolver

    func read() throws(GatewayError) -> FunctionDefinition {
        guard let codeURI = try string("CodeUri") else {
            throw .templateInvalid("\(id) has no CodeUri; the gateway runs functions/<name> as the executable <name>")
        }
        var function = FunctionDefinition(logicalID: id, codeURI: codeURI)
        function.handler = try string("Handler") ?? function.handler
        function.runtime = try string("Runtime") ?? function.runtime
        if let timeout = try string("Timeout") {
            guard let seconds = Double(timeout), seconds > 0 else {
                throw .templateInvalid("\(id).Timeout must be a positive number of seconds, not \(timeout)")
            }
            function.timeoutSeconds = seconds
        }
        if let memory = try string("MemorySize") {
            guard let megabytes = Int(memory), megabytes > 0 else {
                throw .templateInvalid("\(id).MemorySize must be a positive number of MB, not \(memory)")
            }
            function.memorySize = megabytes
        }
        for variable in properties["Environment"]?["Variables"]?.entries ?? [] {
            if let value = try resolver.string(variable.value, at: "\(id).Environment.Variables.\(variable.key)") {
                function.environment[variable.key] = value
            }
        }
        for event in properties["Events"]?.entries ?? [] {
            try read(event: event, into: &function)
        }
        return function
    }

    private func string(_ key: String) throws(GatewayError) -> String? {
        guard let value = properties[key] else { return nil }
        return try resolver.string(value, at: "\(id).\(key)")
    }

    private func read(event: TemplateValue.Entry, into function: inout FunctionDefinition) throws(GatewayError) {
        let location = "\(id).Events.\(event.key)"
        let type = try event.value["Type"].flatMap { value throws(GatewayError) in
            try resolver.string(value, at: "\(location).Type")
        }
        let eventProperties = event.value["Properties"] ?? .map([])
        func property(_ key: String) throws(GatewayError) -> String? {
            guard let value = eventProperties[key] else { return nil }
            return try resolver.string(value, at: "\(location).Properties.\(key)")
        }

        switch type {
        case "HttpApi", "Api":
            var version: PayloadVersion = type == "Api" ? .v1 : .v2
            if let format = try property("PayloadFormatVersion") {
                guard let chosen = PayloadVersion(rawValue: format) else {
                    throw .templateInvalid("\(location).Properties.PayloadFormatVersion must be 1.0 or 2.0")
                }
                version = chosen
            }
            let path = try property("Path")
            let method = try property("Method").map { $0.uppercased() }
            if type == "Api", path == nil || method == nil {
                throw .templateInvalid("\(location) is an Api event and needs Path and Method")
            }
            // An HttpApi event with neither Path nor Method is the API's $default route.
            let routePath = path ?? "$default"
            guard routePath == "$default" || routePath.hasPrefix("/") else {
                throw .templateInvalid("\(location).Properties.Path must start with /, not \(routePath)")
            }
            let anyMethod = method == nil || method == "ANY" || method == "X-AMAZON-APIGATEWAY-ANY-METHOD"
            function.routes.append(
                RouteDefinition(
                    eventName: event.key, method: anyMethod ? nil : method, path: routePath, payloadVersion: version,
                    api: type == "Api" ? .restAPI : .httpAPI))
        case "Schedule", "ScheduleV2":
            guard let expression = try property(type == "Schedule" ? "Schedule" : "ScheduleExpression") else {
                throw .templateInvalid("\(location) has no schedule expression")
            }
            let enabled = try property("Enabled").map { $0.lowercased() != "false" } ?? true
            let state = try property("State").map { $0.uppercased() != "DISABLED" } ?? true
            function.schedules.append(
                ScheduleDefinition(
                    eventName: event.key, expression: expression, isEnabled: enabled && state,
                    input: try property("Input")))
        default:
            // Other event sources (SQS, S3, …) have no local trigger; the function can still be invoked.
            break
        }
    }
}
