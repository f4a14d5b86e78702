import ArgumentParser
import Foundation
import LocalGateway
import NIOCore

/// `local-gateway`: API Gateway and Lambda for the order service on one machine, driven by `template.yaml`.
@main
struct LocalGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-gateway",
        abstract: "Serve the functions of an AWS SAM template locally, a process per invocation or kept warm.",
        subcommands: [StartAPI.self, Invoke.self, GenerateEvent.self, Token.self],
        defaultSubcommand: StartAPI.self
    )
}

/// The options every subcommand shares, named as `sam local` names them.
struct FunctionOptions: ParsableArguments {
    @Option(name: [.customShort("t"), .long], help: "The AWS SAM template.")
    var template = "./template.yaml"

    @Option(help: "The directory of the built function executables (functions/<name> runs <dir>/<name>).")
    var functionsDir = ".build/debug"

    @Option(help: "The data directory, passed to every function as ORDER_DATA_DIR.")
    var dataDir = "./data"

    @Option(help: "A JSON file of environment variables: {\"Parameters\": {...}, \"<LogicalId>\": {...}}.")
    var envVars: String?

    @OptionGroup var parameters: ParameterOptions

    func setup() throws(GatewayError) -> GatewaySetup {
        let setup = try GatewaySetup(
            templatePath: template, functionsDirectory: functionsDir, dataDirectory: dataDir, envVarsFile: envVars,
            parameterOverrides: try parameters.overrides())
        try setup.checkExecutables()
        return setup
    }
}

/// `--parameter-overrides`, as `sam local` takes it.
struct ParameterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Template parameters replacing their defaults: \"Key=Value Key2=Value2\" (JwtIssuer, JwtAudience, ...).",
            valueName: "pairs"))
    var parameterOverrides: [String] = []

    func overrides() throws(GatewayError) -> [String: String] {
        try GatewaySetup.parameterOverrides(parameterOverrides)
    }
}

struct StartAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start-api", abstract: "Serve the template's routes over HTTP and run its schedules.")

    @OptionGroup var options: FunctionOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: [.short, .long], help: "The port to listen on; 0 picks a free one.")
    var port = 3000

    @Option(
        help:
            "How many function processes may run at once, not counting one that has answered and only finishes its after-response work (with --warm: workers per function, busy until they ask for the next invocation); more requests wait their turn."
    )
    var maxConcurrency = ProcessInfo.processInfo.activeProcessorCount * 4

    @Flag(
        help:
            "Keep each function's processes running as Lambda custom runtimes, served the Runtime API by the gateway, instead of a process per request."
    )
    var warm = false

    @Option(
        help:
            "The OpenAPI description to serve at GET /openapi.yaml (default: openapi.yaml beside the template, if there is one)."
    )
    var openapi: String?

    @Option(
        help:
            "A JSON Web Key Set file: the keys the authorizers trust (default: the development identity in the data directory)."
    )
    var jwks: String?

    @Flag(help: "Turn every authorizer off for this run: every route is open and functions see no claims.")
    var noAuth = false

    @Option(help: "Seconds a client has to finish a request's headers once it has started them.")
    var headerTimeout = 10.0

    @Option(
        help: "Seconds a client connection may send nothing, between requests or within a body, before it is closed.")
    var idleTimeout = 30.0

    func run() async throws {
        // One event loop thread serves every socket of the gateway, its clients' and its workers' alike: the gateway's
        // own I/O is small, one wakeup then serves many sockets, and the cores are left to the functions. With one
        // per core, warm GET /order/{id} took about 20% more gateway CPU per request. NIO's own variable still
        // decides when it is set.
        if ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            NIOSingletons.groupLoopCountSuggestion = 1
        }
        guard headerTimeout > 0, idleTimeout > 0 else {
            throw fail("--header-timeout and --idle-timeout must be more than 0 seconds")
        }
        var gateway: Gateway
        let scheduler: ScheduleRunner
        do {
            let setup = try options.setup()
            if warm {
                // A function in Runtime API mode refuses to start without its data directory; per request it makes it.
                try? FileManager.default.createDirectory(atPath: options.dataDir, withIntermediateDirectories: true)
            }
            let metrics = GatewayMetrics()
            // Counted inside the limit: an invocation's time is its function's, not that of its wait for a turn.
            let invoker: any FunctionInvoker =
                warm
                ? MeteredInvoker(
                    setup.warmInvoker(maximumWorkersPerFunction: maxConcurrency, metrics: metrics), metrics: metrics)
                : ConcurrencyLimitedInvoker(
                    MeteredInvoker(setup.processInvoker, metrics: metrics), limit: maxConcurrency)
            gateway = try Gateway(template: setup.template, invoker: invoker)
            gateway.metrics = metrics
            for feature in setup.template.unsupported { gateway.log(feature.logLine) }
            if let path = openapi ?? OpenAPIDocument.besideTemplate(options.template) {
                gateway.openAPIDocument = try OpenAPIDocument.load(fromFile: path)
            }
            var runner = ScheduleRunner(template: setup.template, invoker: invoker)
            runner.metrics = metrics
            scheduler = runner
            _ = try scheduler.jobs()
            gateway.authorizer = try await authorizer(for: setup.template, log: gateway.log)
        } catch {
            throw fail(error.message)
        }
        do {
            let limits = ConnectionLimits(
                headerTimeout: .milliseconds(Int64(headerTimeout * 1000)),
                idleTimeout: .milliseconds(Int64(idleTimeout * 1000)))
            try await GatewayServer(
                gateway: gateway, host: host, port: port, scheduler: scheduler, connectionLimits: limits
            ).run()
        } catch {
            throw fail("cannot serve on \(host):\(port): \(error)")
        }
    }
}

extension StartAPI {
    /// The authorizer of this run, and a log line saying what it trusts (``trustedAuthorizer``).
    func authorizer(for template: ServerlessTemplate, log: @Sendable (GatewayLogLine) -> Void)
        async throws(GatewayError)
        -> JWTAuthorizer?
    {
        try await trustedAuthorizer(
            noAuth: noAuth, jwks: jwks, dataDirectory: options.dataDir, template: template, log: log)
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Print a token signed by the development identity of a data directory, for the template's authorizer.",
        discussion: """
            The token carries the authorizer's issuer and first audience, the subject and the scopes given, and \
            expires after --ttl seconds. `start-api` without --jwks trusts it; send it as `Authorization: Bearer <token>`.
            """)

    @Option(help: "The scopes, separated by spaces: \"orders/create orders/read\".")
    var scope = ""

    @Option(help: "The subject (`sub`): who the token speaks for, recorded as the actor of every change.")
    var sub: String

    @Option(help: "The data directory whose development identity signs the token (made if there is none).")
    var dataDir = "./data"

    @Option(help: "Seconds until the token expires.")
    var ttl = 3600

    @Option(name: [.customShort("t"), .long], help: "The AWS SAM template whose authorizer the token is for.")
    var template = "./template.yaml"

    @Option(help: "The authorizer, when the template has several (default: the first a route uses).")
    var authorizer: String?

    @OptionGroup var parameters: ParameterOptions

    func run() async throws {
        do throws(GatewayError) {
            guard ttl > 0 else {
                throw GatewayError(code: "token_invalid", message: "--ttl must be a positive number of seconds")
            }
            guard !sub.isEmpty else { throw GatewayError(code: "token_invalid", message: "--sub must not be empty") }
            let loaded = try ServerlessTemplate.load(fromFile: template, parameterOverrides: try parameters.overrides())
            let names = loaded.authorizers.map(\.name).joined(separator: ", ")
            let chosen =
                authorizer == nil ? loaded.authorizers.first : loaded.authorizers.first { $0.name == authorizer }
            guard let chosen else {
                throw GatewayError(
                    code: "authorizer_not_found",
                    message: loaded.authorizers.isEmpty
                        ? "no route of \(template) has an authorizer"
                        : "\(template) has no authorizer \(authorizer ?? ""); it has \(names)")
            }
            let identity = try DevelopmentIdentity.loadOrCreate(dataDirectory: dataDir)
            let token = try await identity.token(
                for: chosen, subject: sub, scopes: scope.split(separator: " ").map(String.init), lifetime: ttl)
            print(token)
        } catch {
            throw fail(error.message)
        }
    }
}

struct Invoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one function once with an event and print its response, as `sam local invoke` does.")

    @Argument(help: "The function: its logical id (CreateOrderFunction) or executable name (create-order).")
    var function: String

    @Option(name: [.short, .long], help: "The event JSON file, or - for standard input.")
    var event: String

    @OptionGroup var options: FunctionOptions

    func run() async throws {
        let setup: GatewaySetup
        do {
            setup = try options.setup()
        } catch {
            throw fail(error.message)
        }
        guard let definition = setup.template.function(named: function) else {
            let known = setup.template.functions.map(\.logicalID).joined(separator: ", ")
            throw fail("the template has no function \(function); it has \(known)")
        }
        let bytes: [UInt8]
        do {
            bytes =
                try readInputFile(event)
        } catch {
            throw fail("cannot read the event \(event): \(error.localizedDescription)")
        }
        do {
            let invoker = setup.processInvoker
            let output = try await invoker.invoke(definition, event: bytes, requestID: UUID().uuidString.lowercased())
            FileHandle.standardOutput.write(Data(output))
            // The process may still be delivering its events: as `sam local invoke`, wait for it (its Timeout at most),
            // so that its delivery is not cut short and its log lines are written.
            await invoker.waitForExits()
        } catch {
            throw fail(error.message)
        }
    }
}

/// Writes `local-gateway: <message>` on standard error and gives the exit status to throw: 1.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("local-gateway: \(message)\n".utf8))
    return ExitCode(1)
}
