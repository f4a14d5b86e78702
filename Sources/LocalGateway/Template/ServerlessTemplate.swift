public import FunctionRuntime

/// The functions of an AWS SAM template, as the gateway serves them: settings, routes and schedules.
///
/// Only `AWS::Serverless::Function` resources are read, with the JWT authorizers, CORS and throttling of the
/// `AWS::Serverless::HttpApi` resources their routes belong to; `Globals.Function` is already applied to each one.
public struct ServerlessTemplate: Sendable, Equatable {
    /// The functions, in the template's order of logical ids.
    public var functions: [FunctionDefinition]
    /// Every JWT authorizer some route uses, each once, in the order the routes name them.
    public var authorizers: [JWTAuthorizerDefinition]
    /// What the template has that the gateway does not emulate, in the template's order; `start-api` warns of each.
    public var unsupported: [UnsupportedFeature]

    /// A template of these functions, authorizers and not-emulated features, as ``load(fromFile:parameterOverrides:)``
    /// reads one or a test builds one.
    public init(
        functions: [FunctionDefinition], authorizers: [JWTAuthorizerDefinition] = [],
        unsupported: [UnsupportedFeature] = []
    ) {
        self.functions = functions
        self.authorizers = authorizers
        self.unsupported = unsupported
    }

    /// The function with this logical id (`CreateOrderFunction`) or executable name (`create-order`).
    public func function(named name: String) -> FunctionDefinition? {
        functions.first { $0.logicalID == name } ?? functions.first { $0.executableName == name }
    }
}

/// One `AWS::Serverless::Function` with its `Globals` applied.
public struct FunctionDefinition: Sendable, Equatable {
    /// The template's logical id, such as `CreateOrderFunction`; Lambda's function name when run locally.
    public var logicalID: String
    /// `CodeUri`, such as `functions/create-order`.
    public var codeURI: String
    public var handler: String
    public var runtime: String
    /// `Timeout` in seconds (SAM's default is 3).
    public var timeoutSeconds: Double
    /// `MemorySize` in MB (SAM's default is 128).
    public var memorySize: Int
    /// `Globals` variables overridden by the function's own `Environment.Variables`.
    public var environment: [String: String]
    public var routes: [RouteDefinition]
    public var schedules: [ScheduleDefinition]

    /// A function as the template describes it; the defaults are SAM's (`bootstrap`, `provided.al2023`, 3 s,
    /// 128 MB).
    public init(
        logicalID: String, codeURI: String, handler: String = "bootstrap", runtime: String = "provided.al2023",
        timeoutSeconds: Double = 3, memorySize: Int = 128, environment: [String: String] = [:],
        routes: [RouteDefinition] = [], schedules: [ScheduleDefinition] = []
    ) {
        self.logicalID = logicalID
        self.codeURI = codeURI
        self.handler = handler
        self.runtime = runtime
        self.timeoutSeconds = timeoutSeconds
        self.memorySize = memorySize
        self.environment = environment
        self.routes = routes
        self.schedules = schedules
    }

    /// The name of the function's built executable: the last component of `CodeUri`
    /// (`functions/create-order` is `create-order`).
    public var executableName: String {
        codeURI.split(separator: "/").last.map(String.init) ?? codeURI
    }
}

/// The kind of API Gateway API a route belongs to, which its events name in `requestContext.stage` and `version`.
public enum APIKind: Sendable, Equatable {
    /// An HTTP API (SAM `HttpApi` events): one `$default` stage; payload 2.0, or 1.0 when asked for.
    case httpAPI
    /// A REST API (SAM `Api` events): SAM's `Prod` stage; payload 1.0.
    case restAPI
}

/// One `HttpApi` or `Api` event of a function: a method and a path template.
public struct RouteDefinition: Sendable, Equatable {
    /// The event's name in the template, such as `GetOrder`.
    public var eventName: String
    /// `GET`, `POST`, …, or `nil` for `ANY`.
    public var method: String?
    /// `/order/{id}`, `/files/{proxy+}`, or `$default`.
    public var path: String
    public var payloadVersion: PayloadVersion
    /// Who may call the route; `nil` when anyone may (no authorizer, or `Authorizer: NONE`).
    public var authorization: RouteAuthorization?
    /// `HttpApi` or `Api`.
    public var api: APIKind
    /// The `CorsConfiguration` of the route's HTTP API; `nil` when it has none, and for REST API routes.
    public var cors: CORSConfiguration?
    /// The route's throttling, from its HTTP API's `RouteSettings` for it, else its `DefaultRouteSettings`; `nil`
    /// when neither sets a limit, and for REST API routes.
    public var throttle: ThrottleSettings?

    /// - Parameter api: by default, a REST API for payload 1.0 and an HTTP API for 2.0, as SAM's event types give
    ///   them; an `HttpApi` event with `PayloadFormatVersion: "1.0"` is `.httpAPI` with `.v1`.
    public init(
        eventName: String, method: String?, path: String, payloadVersion: PayloadVersion,
        authorization: RouteAuthorization? = nil, api: APIKind? = nil, cors: CORSConfiguration? = nil,
        throttle: ThrottleSettings? = nil
    ) {
        self.cors = cors
        self.throttle = throttle
        self.eventName = eventName
        self.method = method
        self.path = path
        self.payloadVersion = payloadVersion
        self.authorization = authorization
        self.api = api ?? (payloadVersion == .v1 ? .restAPI : .httpAPI)
    }

    /// API Gateway's route key: `GET /order/{id}`, `ANY /files/{proxy+}` or `$default`.
    public var routeKey: String {
        path == "$default" ? "$default" : "\(method ?? "ANY") \(path)"
    }
}

/// One `Schedule` or `ScheduleV2` event of a function.
public struct ScheduleDefinition: Sendable, Equatable {
    /// The event's name in the template.
    public var eventName: String
    /// `rate(5 minutes)`, `cron(0 12 * * ? *)`, …
    public var expression: String
    /// `false` when the template disables the schedule (`Enabled: false` or `State: DISABLED`).
    public var isEnabled: Bool
    /// `Input`: JSON sent instead of the scheduled event, when the template gives one.
    public var input: String?

    /// A schedule of the event `eventName` on `expression` (`rate(5 minutes)`, `cron(…)`).
    public init(eventName: String, expression: String, isEnabled: Bool = true, input: String? = nil) {
        self.eventName = eventName
        self.expression = expression
        self.isEnabled = isEnabled
        self.input = input
    }
}

/// A JWT authorizer of an HTTP API (`Auth.Authorizers.<Name>.JwtConfiguration`), its parameters resolved.
public struct JWTAuthorizerDefinition: Sendable, Equatable {
    /// The authorizer's name in the template, such as `OrderAuthorizer`.
    public var name: String
    /// `JwtConfiguration.issuer`: a token's `iss` must equal it.
    public var issuer: String
    /// `JwtConfiguration.audience`: a token's `aud` (or, without `aud`, its `client_id`) must be one of them.
    public var audiences: [String]
    /// The request header the token comes from, from `IdentitySource` (`$request.header.Authorization`).
    public var identityHeader: String

    /// An authorizer trusting tokens of `issuer` for `audiences`, read from `identityHeader`.
    public init(name: String, issuer: String, audiences: [String], identityHeader: String = "Authorization") {
        self.name = name
        self.issuer = issuer
        self.audiences = audiences
        self.identityHeader = identityHeader
    }
}

/// The authorization of one route: its authorizer, and the scopes a token needs at least one of (none: any valid
/// token).
public struct RouteAuthorization: Sendable, Equatable {
    public var authorizer: JWTAuthorizerDefinition
    /// `Auth.AuthorizationScopes` of the route's event.
    public var scopes: [String]

    /// A route guarded by `authorizer`, whose token must hold one of `scopes` (any, when empty).
    public init(authorizer: JWTAuthorizerDefinition, scopes: [String]) {
        self.authorizer = authorizer
        self.scopes = scopes
    }
}
