/// A feature of a template that the gateway does not emulate and that would change what a request meets: which
/// function it reaches, with what, or who may call it. The gateway still starts, and says so at start, one line
/// each, rather than serve the template as if the feature were not there.
public struct UnsupportedFeature: Sendable, Equatable {
    /// The logical id of the resource that has the feature (`OrderApi`, `GetOrderFunction`).
    public var resource: String
    /// What is not emulated and what the gateway does instead, in a sentence.
    public var feature: String

    /// A feature of `resource` the gateway does not emulate, said in `feature`.
    public init(resource: String, feature: String) {
        self.resource = resource
        self.feature = feature
    }

    /// The warning line `start-api` writes for it: `not emulated`, with the resource and the feature.
    public var logLine: GatewayLogLine {
        .notice("not emulated", level: "warning", fields: ["resource": resource, "feature": feature])
    }
}

/// Finds what a template has that the gateway does not emulate (``UnsupportedFeature``), reading the template as
/// CloudFormation gives it, before any of it is interpreted.
struct UnsupportedFeatureScan {
    var resources: TemplateValue
    /// The template's `Globals`.
    var globals: TemplateValue
    var resolver: IntrinsicResolver

    /// Resource types that declare routes, authorizers or functions of their own, none of which the gateway serves.
    static let ignoredTypes: [String: String] = [
        "AWS::Lambda::Function":
            "a plain Lambda function is not run (only AWS::Serverless::Function is); no route reaches it",
        "AWS::Serverless::Application":
            "a nested application is not loaded; its functions and routes are not served",
        "AWS::ApiGatewayV2::Route": "a route declared outside SAM events is not served",
        "AWS::ApiGatewayV2::Integration": "an integration declared outside SAM events is not served",
        "AWS::ApiGatewayV2::Authorizer": "an authorizer declared outside SAM is not applied to any route",
        "AWS::ApiGatewayV2::Stage": "a stage declared outside SAM is ignored (its throttling and variables too)",
        "AWS::ApiGatewayV2::DomainName": "a custom domain is ignored: routes are served at the gateway's address",
        "AWS::ApiGatewayV2::ApiMapping": "an API mapping is ignored: routes are served without its base path",
        "AWS::ApiGateway::RestApi": "a REST API declared outside SAM is not served",
        "AWS::ApiGateway::Resource": "a REST API resource declared outside SAM is not served",
        "AWS::ApiGateway::Method": "a REST API method declared outside SAM is not served",
        "AWS::ApiGateway::Authorizer": "a REST API authorizer is not applied to any route",
        "AWS::ApiGateway::UsagePlan": "usage plans (their throttling and quotas) are not applied",
        "AWS::ApiGateway::ApiKey": "API keys are not checked",
    ]

    /// The resource types the gateway serves, whose `Condition` it would have to evaluate.
    static let servedTypes: Set<String> = [
        "AWS::Serverless::Function", "AWS::Serverless::HttpApi", "AWS::Serverless::Api",
    ]

    func scan() -> [UnsupportedFeature] {
        var found: [UnsupportedFeature] = []
        for resource in resources.entries {
            let id = resource.key
            let type = resource.value["Type"].flatMap { if case .scalar(let text) = $0 { text } else { nil } } ?? ""
            let properties = resource.value["Properties"] ?? .map([])
            // A Condition matters only on what the gateway serves: a topic or an alarm is passed over either way.
            if Self.servedTypes.contains(type),
                let condition = resource.value["Condition"].flatMap({ try? resolver.string($0, at: id) })
            {
                found.append(
                    UnsupportedFeature(
                        resource: id,
                        feature: "its Condition \(condition) is not evaluated: the resource is served as if it held"))
            }
            if let reason = Self.ignoredTypes[type] {
                found.append(UnsupportedFeature(resource: id, feature: "\(type): \(reason)"))
            }
            switch type {
            case "AWS::ApiGatewayV2::Api":
                let websocket = properties["ProtocolType"] == .scalar("WEBSOCKET")
                found.append(
                    UnsupportedFeature(
                        resource: id,
                        feature: websocket
                            ? "a WebSocket API is not served: its clients cannot connect"
                            : "an HTTP API declared outside SAM is not served (only AWS::Serverless::HttpApi is)"))
            case "AWS::Serverless::Api":
                found.append(
                    UnsupportedFeature(
                        resource: id,
                        feature:
                            "REST API settings (Auth, Cors, MethodSettings, usage plans) are not emulated; its Api "
                            + "events are served open, stage Prod"))
            case "AWS::Serverless::HttpApi":
                found += httpAPI(id, (globals["HttpApi"] ?? .map([])).merging(properties))
            case "AWS::Serverless::Function":
                found += function(id, (globals["Function"] ?? .map([])).merging(properties))
            default:
                break
            }
        }
        return found
    }

    private func httpAPI(_ id: String, _ properties: TemplateValue) -> [UnsupportedFeature] {
        var found: [UnsupportedFeature] = []
        for key in ["DefinitionBody", "DefinitionUri"] where properties[key] != nil {
            found.append(
                UnsupportedFeature(
                    resource: id, feature: "\(key): routes from an OpenAPI definition are not served, only SAM events"))
        }
        if properties["StageVariables"] != nil {
            found.append(UnsupportedFeature(resource: id, feature: "StageVariables: events carry none"))
        }
        let auth = properties["Auth"]
        for entry in auth?["Authorizers"]?.entries ?? [] where entry.value["JwtConfiguration"] == nil {
            found.append(
                UnsupportedFeature(
                    resource: id,
                    feature: "the authorizer \(entry.key) is not a JWT authorizer (a Lambda authorizer?) and is not "
                        + "emulated; the gateway refuses to start if a route uses it"))
        }
        if auth?["EnableIamAuthorizer"] == .scalar("true") {
            found.append(
                UnsupportedFeature(
                    resource: id, feature: "IAM authorization (AWS_IAM) is not emulated; routes using it are refused"))
        }
        return found
    }

    private func function(_ id: String, _ properties: TemplateValue) -> [UnsupportedFeature] {
        var found: [UnsupportedFeature] = []
        if properties["FunctionUrlConfig"] != nil {
            found.append(
                UnsupportedFeature(
                    resource: id, feature: "FunctionUrlConfig: its function URL is not served, only its API routes"))
        }
        for variable in properties["Environment"]?["Variables"]?.entries ?? [] {
            let location = "\(id).Environment.Variables.\(variable.key)"
            do throws(GatewayError) {
                _ = try resolver.string(variable.value, at: location)
            } catch {
                found.append(
                    UnsupportedFeature(
                        resource: id,
                        feature: "\(error.message.dropPrefix("template: ")); \(variable.key) is left unset "
                            + "(--env-vars can set it)"))
            }
        }
        for event in properties["Events"]?.entries ?? [] {
            let type = event.value["Type"].flatMap { if case .scalar(let text) = $0 { text } else { nil } } ?? ""
            guard !FunctionEventKinds.emulated.contains(type) else { continue }
            found.append(
                UnsupportedFeature(
                    resource: id,
                    feature: "the \(type) event \(event.key) has no local trigger; local-gateway invoke can run the "
                        + "function with such an event"))
        }
        return found
    }
}

/// The function event types the gateway serves or runs.
enum FunctionEventKinds {
    static let emulated: Set<String> = ["HttpApi", "Api", "Schedule", "ScheduleV2"]
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring {
        hasPrefix(prefix) ? dropFirst(prefix.count) : Substring(self)
    }
}
