import Foundation
import FunctionRuntime
import Yams

extension ServerlessTemplate {
    /// Reads the template file at `path`, with `parameterOverrides` replacing the parameters' defaults.
    ///
    /// - Throws: ``GatewayError`` `template_unreadable` when the file cannot be read or is not YAML,
    ///   `template_invalid` when a function lacks what the gateway needs, `parameter_unknown` for an override of a
    ///   parameter the template does not declare.
    public static func load(fromFile path: String, parameterOverrides: [String: String] = [:]) throws(GatewayError)
        -> ServerlessTemplate
    {
        guard FileManager.default.fileExists(atPath: path) else {
            throw GatewayError(code: "template_unreadable", message: "there is no template at \(path)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GatewayError(code: "template_unreadable", message: "cannot read the template \(path): \(error)")
        }
        return try parse(yaml: text, source: path, parameterOverrides: parameterOverrides)
    }

    /// Reads a template from its YAML text; `source` names it in errors.
    ///
    /// CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, …) are accepted; `Ref`s to parameters
    /// resolve to their value in `parameterOverrides`, else to their `Default`, as `sam local
    /// --parameter-overrides` resolves them.
    public static func parse(
        yaml: String, source: String = "template.yaml", parameterOverrides: [String: String] = [:]
    ) throws(GatewayError) -> ServerlessTemplate {
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
        var listParameters: Set<String> = []
        for entry in root["Parameters"]?.entries ?? [] {
            if case .scalar(let value)? = entry.value["Default"] { parameters[entry.key] = value }
            if case .scalar(let type)? = entry.value["Type"], type == "CommaDelimitedList" || type.hasPrefix("List<") {
                listParameters.insert(entry.key)
            }
        }
        let declared = Set((root["Parameters"]?.entries ?? []).map(\.key))
        for (name, value) in parameterOverrides {
            guard declared.contains(name) else {
                throw GatewayError(
                    code: "parameter_unknown",
                    message: "--parameter-overrides sets \(name), which \(source) does not declare; it declares "
                        + (declared.isEmpty ? "no parameters" : declared.sorted().joined(separator: ", ")))
            }
            parameters[name] = value
        }
        let resolver = IntrinsicResolver(
            parameters: parameters, listParameters: listParameters, resourceIDs: Set(resources.entries.map(\.key)))
        let globals = root["Globals"]?["Function"] ?? .map([])
        let apis = try HTTPAPIReader(
            resources: resources, globals: root["Globals"]?["HttpApi"] ?? .map([]), resolver: resolver
        ).read()

        var functions: [FunctionDefinition] = []
        for resource in resources.entries where resource.value["Type"] == .scalar("AWS::Serverless::Function") {
            let properties = globals.merging(resource.value["Properties"] ?? .map([]))
            functions.append(
                try FunctionReader(id: resource.key, properties: properties, resolver: resolver, apis: apis).read())
        }
        var authorizers: [JWTAuthorizerDefinition] = []
        for function in functions {
            for case let authorizer? in function.routes.map(\.authorization?.authorizer)
            where !authorizers.contains(authorizer) {
                authorizers.append(authorizer)
            }
        }
        let unsupported = UnsupportedFeatureScan(
            resources: resources, globals: root["Globals"] ?? .map([]), resolver: resolver
        ).scan()
        return ServerlessTemplate(functions: functions, authorizers: authorizers, unsupported: unsupported)
    }
}

/// What the gateway emulates of one HTTP API: its authorizers, its CORS and its routes' throttling.
private struct HTTPAPISettings {
    var authorizers: [String: JWTAuthorizerDefinition] = [:]
    /// Authorizers the gateway does not emulate (Lambda authorizers), refused when a route uses one.
    var unsupported: Set<String> = []
    /// `Auth.DefaultAuthorizer`: the authorizer of every route that names none.
    var defaultAuthorizer: String?
    /// `CorsConfiguration`; `nil` when the API has none (browsers then get no grant).
    var cors: CORSConfiguration?
    /// The throttling limits of `DefaultRouteSettings`, for every route.
    var defaultThrottling = RouteThrottling()
    /// The throttling limits of `RouteSettings`, by route key (`GET /order/{id}`).
    var routeThrottling: [String: RouteThrottling] = [:]
}

/// Reads the `Auth`, `CorsConfiguration` and route settings of every `AWS::Serverless::HttpApi`, and of the implicit
/// API (`ServerlessHttpApi`) that events without `ApiId` belong to, each with `Globals.HttpApi` applied.
private struct HTTPAPIReader {
    static let implicitAPI = "ServerlessHttpApi"

    var resources: TemplateValue
    var globals: TemplateValue
    var resolver: IntrinsicResolver

    func read() throws(GatewayError) -> [String: HTTPAPISettings] {
        var apis = [Self.implicitAPI: try settings(of: globals, in: "Globals.HttpApi")]
        for resource in resources.entries where resource.value["Type"] == .scalar("AWS::Serverless::HttpApi") {
            let properties = globals.merging(resource.value["Properties"] ?? .map([]))
            apis[resource.key] = try settings(of: properties, in: resource.key)
        }
        return apis
    }

    private func settings(of properties: TemplateValue, in location: String) throws(GatewayError) -> HTTPAPISettings {
        var api = try auth(of: properties, in: location)
        api.cors = try cors(of: properties, in: location)
        if let defaults = properties["DefaultRouteSettings"] {
            api.defaultThrottling = try RouteThrottling(
                defaults, resolver: resolver, at: "\(location).DefaultRouteSettings")
        }
        for entry in properties["RouteSettings"]?.entries ?? [] {
            api.routeThrottling[entry.key] = try RouteThrottling(
                entry.value, resolver: resolver, at: "\(location).RouteSettings.\(entry.key)")
        }
        return api
    }

    /// `CorsConfiguration`: a mapping of SAM's fields, or `true` for any origin, method and header.
    private func cors(of properties: TemplateValue, in location: String) throws(GatewayError) -> CORSConfiguration? {
        let at = "\(location).CorsConfiguration"
        guard let value = properties["CorsConfiguration"] else { return nil }
        if case .scalar(let flag) = value {
            switch flag.lowercased() {
            case "true": return CORSConfiguration(allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"])
            case "false": return nil
            default: throw .templateInvalid("\(at) must be true, false or a mapping, not \(flag)")
            }
        }
        guard case .map = value else { throw .templateInvalid("\(at) must be true, false or a mapping") }
        func list(_ key: String) throws(GatewayError) -> [String] {
            try value[key].map { item throws(GatewayError) in try resolver.strings(item, at: "\(at).\(key)") } ?? []
        }
        func single(_ key: String) throws(GatewayError) -> String? {
            try value[key].flatMap { item throws(GatewayError) in try resolver.string(item, at: "\(at).\(key)") }
        }
        var maxAge: Int?
        if let text = try single("MaxAge") {
            guard let seconds = Int(text), seconds >= 0 else {
                throw .templateInvalid("\(at).MaxAge must be a whole number of seconds, not \(text)")
            }
            maxAge = seconds
        }
        let credentials = try single("AllowCredentials").map { $0.lowercased() == "true" } ?? false
        let origins = try list("AllowOrigins")
        if credentials, origins.contains("*") {
            throw .templateInvalid("\(at) allows credentials with AllowOrigins *, which API Gateway refuses")
        }
        return CORSConfiguration(
            allowOrigins: origins, allowMethods: try list("AllowMethods"), allowHeaders: try list("AllowHeaders"),
            exposeHeaders: try list("ExposeHeaders"), maxAgeSeconds: maxAge, allowCredentials: credentials)
    }

    private func auth(of properties: TemplateValue, in location: String) throws(GatewayError) -> HTTPAPISettings {
        var api = HTTPAPISettings()
        guard let auth = properties["Auth"] else { return api }
        for entry in auth["Authorizers"]?.entries ?? [] {
            let at = "\(location).Auth.Authorizers.\(entry.key)"
            guard let configuration = entry.value["JwtConfiguration"] else {
                api.unsupported.insert(entry.key)
                continue
            }
            guard
                let issuer = try configuration["issuer"].flatMap({ value throws(GatewayError) in
                    try resolver.string(value, at: "\(at).JwtConfiguration.issuer")
                }), !issuer.isEmpty
            else { throw .templateInvalid("\(at).JwtConfiguration has no issuer") }
            let audiences = try configuration["audience"].map { value throws(GatewayError) in
                try resolver.strings(value, at: "\(at).JwtConfiguration.audience")
            }
            guard let audiences, !audiences.isEmpty else {
                throw .templateInvalid("\(at).JwtConfiguration has no audience")
            }
            let source =
                try entry.value["IdentitySource"].flatMap { value throws(GatewayError) in
                    try resolver.string(value, at: "\(at).IdentitySource")
                } ?? "$request.header.Authorization"
            let prefix = "$request.header."
            guard source.hasPrefix(prefix), source.count > prefix.count else {
                throw .templateInvalid(
                    "\(at).IdentitySource is \(source); JWT authorizers take the token from a header, "
                        + "$request.header.<Name>")
            }
            api.authorizers[entry.key] = JWTAuthorizerDefinition(
                name: entry.key, issuer: issuer, audiences: audiences,
                identityHeader: String(source.dropFirst(prefix.count)))
        }
        api.defaultAuthorizer = try auth["DefaultAuthorizer"].flatMap { value throws(GatewayError) in
            try resolver.string(value, at: "\(location).Auth.DefaultAuthorizer")
        }
        if let name = api.defaultAuthorizer, api.authorizers[name] == nil, !api.unsupported.contains(name) {
            throw .templateInvalid("\(location).Auth.DefaultAuthorizer is \(name), which is not one of its Authorizers")
        }
        return api
    }
}

/// Reads one function's merged properties.
private struct FunctionReader {
    var id: String
    var properties: TemplateValue
    var resolver: IntrinsicResolver
    var apis: [String: HTTPAPISettings]

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
            // A value that cannot be resolved locally (`Fn::ImportValue`, …) is left unset, and said at start
            // (`UnsupportedFeatureScan`): the function may never read it, and `--env-vars` can set it.
            if let value = try? resolver.string(variable.value, at: "\(id).Environment.Variables.\(variable.key)") {
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
            let api = type == "HttpApi" ? try httpAPI(eventProperties, at: location) : nil
            let authorization =
                if let api {
                    try httpAPIAuthorization(eventProperties, api: api, at: location)
                } else {
                    try restAPIAuthorization(eventProperties, at: location)
                }
            var route = RouteDefinition(
                eventName: event.key, method: anyMethod ? nil : method, path: routePath, payloadVersion: version,
                authorization: authorization, api: type == "Api" ? .restAPI : .httpAPI)
            if let api {
                route.cors = api.settings.cors
                let own = try eventProperties["RouteSettings"].map { value throws(GatewayError) in
                    try RouteThrottling(value, resolver: resolver, at: "\(location).Properties.RouteSettings")
                }
                route.throttle =
                    (own ?? RouteThrottling()).over(api.settings.routeThrottling[route.routeKey])
                    .over(api.settings.defaultThrottling).resolved
            }
            function.routes.append(route)
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

    /// The HTTP API an `HttpApi` event belongs to: its `ApiId`, else the implicit API.
    private func httpAPI(_ event: TemplateValue, at location: String) throws(GatewayError)
        -> (id: String, settings: HTTPAPISettings)
    {
        let apiID =
            try event["ApiId"].flatMap { value throws(GatewayError) in
                try resolver.string(value, at: "\(location).Properties.ApiId")
            } ?? HTTPAPIReader.implicitAPI
        guard let api = apis[apiID] else {
            throw .templateInvalid("\(location).Properties.ApiId is \(apiID), which is not an AWS::Serverless::HttpApi")
        }
        return (apiID, api)
    }

    /// The authorizer and scopes of an `HttpApi` event: its `Auth.Authorizer`, else its API's `DefaultAuthorizer`;
    /// `NONE` or neither leaves the route open.
    private func httpAPIAuthorization(
        _ event: TemplateValue, api found: (id: String, settings: HTTPAPISettings), at location: String
    ) throws(GatewayError) -> RouteAuthorization? {
        let (apiID, api) = found
        let auth = event["Auth"]
        let named = try auth?["Authorizer"].flatMap { value throws(GatewayError) in
            try resolver.string(value, at: "\(location).Properties.Auth.Authorizer")
        }
        let scopes =
            try auth?["AuthorizationScopes"].map { value throws(GatewayError) in
                try resolver.strings(value, at: "\(location).Properties.Auth.AuthorizationScopes")
            } ?? []
        guard let name = named ?? api.defaultAuthorizer, name != "NONE" else {
            if !scopes.isEmpty {
                throw .templateInvalid("\(location) has AuthorizationScopes but no authorizer to check them")
            }
            return nil
        }
        guard let authorizer = api.authorizers[name] else {
            if api.unsupported.contains(name) {
                throw .templateInvalid(
                    "\(location) uses \(name), which is not a JWT authorizer; the gateway emulates only JWT authorizers"
                )
            }
            throw .templateInvalid("\(location).Properties.Auth.Authorizer is \(name), which \(apiID) does not declare")
        }
        return RouteAuthorization(authorizer: authorizer, scopes: scopes)
    }

    /// REST API (`Api`) authorizers are not emulated: a route that names one is refused rather than served open.
    private func restAPIAuthorization(_ event: TemplateValue, at location: String) throws(GatewayError)
        -> RouteAuthorization?
    {
        let named = try event["Auth"]?["Authorizer"].flatMap { value throws(GatewayError) in
            try resolver.string(value, at: "\(location).Properties.Auth.Authorizer")
        }
        if let named, named != "NONE" {
            throw .templateInvalid(
                "\(location) uses the REST API authorizer \(named), which the gateway does not emulate; "
                    + "HttpApi events with JWT authorizers are")
        }
        return nil
    }
}

extension RouteThrottling {
    /// Reads the throttling limits of a `RouteSettings` mapping (`DefaultRouteSettings`, or one route's); its other
    /// settings (metrics, logging) change nothing locally.
    ///
    /// - Throws: ``GatewayError`` `template_invalid` naming `location` for a limit that is not a number of requests.
    init(_ value: TemplateValue, resolver: IntrinsicResolver, at location: String) throws(GatewayError) {
        guard case .map = value else { throw .templateInvalid("\(location) must be a mapping of route settings") }
        if let burst = try value["ThrottlingBurstLimit"].flatMap({ item throws(GatewayError) in
            try resolver.string(item, at: "\(location).ThrottlingBurstLimit")
        }) {
            guard let limit = Int(burst) ?? Double(burst).flatMap({ Int(exactly: $0) }), limit >= 0 else {
                throw .templateInvalid(
                    "\(location).ThrottlingBurstLimit must be a whole number of requests, not \(burst)")
            }
            burstLimit = limit
        }
        if let rate = try value["ThrottlingRateLimit"].flatMap({ item throws(GatewayError) in
            try resolver.string(item, at: "\(location).ThrottlingRateLimit")
        }) {
            guard let limit = Double(rate), limit.isFinite, limit >= 0 else {
                throw .templateInvalid("\(location).ThrottlingRateLimit must be requests a second, not \(rate)")
            }
            rateLimit = limit
        }
    }
}
