import ArgumentParser
import Foundation
import LocalGateway

/// `local-gateway generate-event`: the event `start-api` would send the function a request reaches, printed for
/// `local-gateway invoke` or a fixture. The request goes through the gateway's own routing, throttling, authorizer
/// and event builder (``Gateway/dispatch(_:requestID:)``); no function runs.
struct GenerateEvent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-event",
        abstract: "Print the event start-api would send to the function a request reaches, without running it.",
        discussion: """
            The request is routed, throttled and authorized as start-api does it, and the event is built by the same \
            code: payload 1.0 or 2.0 as the route has it, its path parameters, and with a --token the verified \
            claims in requestContext.authorizer. A request the gateway would answer itself (no route, a refused \
            token) is an error saying what it would answer. Feed the event to `local-gateway invoke <function> \
            --event -`; the function it reaches is named on standard error.
            """)

    @Option(help: "The request's method.")
    var method = "GET"

    @Option(help: "The request's path as a client sends it, percent-encoded, with or without a query string.")
    var path: String

    @Option(
        name: .customLong("header"),
        help: ArgumentHelp("A request header, Name:Value; repeatable.", valueName: "name:value"))
    var headers: [String] = []

    @Option(help: "A query string (a=1&b=2), added to the path's.")
    var query: String?

    @Option(help: "A file holding the request's body, or - for standard input.")
    var body: String?

    @Option(help: "A token, sent as Authorization: Bearer <token> and verified as start-api verifies it.")
    var token: String?

    @Option(name: [.customShort("t"), .long], help: "The AWS SAM template.")
    var template = "./template.yaml"

    @Option(help: "The data directory whose development identity the authorizers trust (as start-api's).")
    var dataDir = "./data"

    @Option(help: "A JSON Web Key Set file: the keys the authorizers trust instead of the development identity.")
    var jwks: String?

    @Flag(help: "Turn every authorizer off: every route is open and the event carries no claims.")
    var noAuth = false

    @Option(help: "The address the request comes from (requestContext's sourceIp).")
    var sourceIp = "127.0.0.1"

    @OptionGroup var parameters: ParameterOptions

    func run() async throws {
        do throws(GatewayError) {
            let request = try request()
            let loaded = try ServerlessTemplate.load(fromFile: template, parameterOverrides: try parameters.overrides())
            for feature in loaded.unsupported {
                FileHandle.standardError.write(
                    Data("local-gateway: not emulated: \(feature.resource): \(feature.feature)\n".utf8))
            }
            var gateway = try Gateway(template: loaded, invoker: NoFunctions(), log: { _ in })
            gateway.authorizer = try await trustedAuthorizer(
                noAuth: noAuth, jwks: jwks, dataDirectory: dataDir, template: loaded, log: { _ in })
            switch await gateway.dispatch(request, requestID: UUID().uuidString.lowercased()) {
            case .answered(let response):
                throw GatewayError(
                    code: "request_answered_by_gateway",
                    message: "the gateway answers \(request.method) \(request.path) itself, and no function runs: "
                        + Self.describe(response))
            case .invoke(let function, let route, let event):
                FileHandle.standardError.write(
                    Data("local-gateway: \(route.routeKey) reaches \(function.logicalID)\n".utf8))
                FileHandle.standardOutput.write(Data(event + [UInt8(ascii: "\n")]))
            }
        } catch {
            throw fail(error.message)
        }
    }

    /// The request as a client would send it: `Host` and `Content-Length` as an HTTP/1.1 client adds them, unless
    /// given.
    private func request() throws(GatewayError) -> GatewayRequest {
        var (requestPath, rawQuery) = GatewayRequest.splitTarget(path)
        guard requestPath.hasPrefix("/") else {
            throw GatewayError(code: "request_invalid", message: "--path must start with /, not \(path)")
        }
        if let query, !query.isEmpty {
            rawQuery = rawQuery.isEmpty ? query : "\(rawQuery)&\(query)"
        }
        var fields: [HeaderField] = []
        for header in headers {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw GatewayError(
                    code: "request_invalid", message: "--header takes Name:Value, not \(header)")
            }
            let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields.append(HeaderField(String(header[..<colon]), value))
        }
        func has(_ name: String) -> Bool { fields.contains { $0.name.lowercased() == name.lowercased() } }
        if !has("host") { fields.insert(HeaderField("Host", "localhost:3000"), at: 0) }
        if let token, !has("authorization") { fields.append(HeaderField("Authorization", "Bearer \(token)")) }
        var bytes: [UInt8] = []
        if let body {
            do {
                bytes =
                    try readInputFile(body)
            } catch {
                throw GatewayError(
                    code: "event_unreadable", message: "cannot read the body \(body): \(error.localizedDescription)")
            }
            if !has("content-length") { fields.append(HeaderField("Content-Length", String(bytes.count))) }
        }
        return GatewayRequest(
            method: method.uppercased(), path: requestPath, rawQuery: rawQuery, headers: fields, body: bytes,
            sourceIP: sourceIp)
    }

    /// `401 {"message":"Unauthorized"} (www-authenticate: …)`: the status, the body, and the header that says why.
    private static func describe(_ response: GatewayResponse) -> String {
        var text = "\(response.status) \(String(decoding: response.body, as: UTF8.self))"
        for header in response.headers where header.name.lowercased() == "www-authenticate" {
            text += " (\(header.name): \(header.value))"
        }
        return text
    }
}

/// The invoker of a gateway that only dispatches: `generate-event` never runs a function.
private struct NoFunctions: FunctionInvoker {
    func invoke(_ function: FunctionDefinition, event: [UInt8], requestID: String, traceID: String?)
        async throws(InvocationError) -> [UInt8]
    {
        throw InvocationError(.failed, "generate-event runs no function")
    }
}
