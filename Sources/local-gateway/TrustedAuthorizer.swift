import LocalGateway

/// The authorizer a command checks tokens with, and a log line saying what it trusts: `nil` with a warning for
/// `--no-auth`; the keys of `--jwks`; else, when some route has an authorizer, the development identity of
/// `dataDirectory` (made if there is none).
///
/// - Throws: ``GatewayError`` for a `--jwks` file that cannot be read, or an identity that cannot be used.
func trustedAuthorizer(
    noAuth: Bool, jwks: String?, dataDirectory: String, template: ServerlessTemplate,
    log: @Sendable (GatewayLogLine) -> Void
) async throws(GatewayError) -> JWTAuthorizer? {
    if noAuth {
        log(
            .notice(
                "authorizers are off (--no-auth): every route is open to anyone, and functions see no claims",
                level: "warn"))
        return nil
    }
    if let jwks {
        let keys = try await TrustedKeys.load(fromFile: jwks)
        log(.notice("authorizers trust the keys of \(jwks)", fields: ["kids": keys.keyIDs.joined(separator: ",")]))
        return JWTAuthorizer(keys: keys)
    }
    guard !template.authorizers.isEmpty else { return JWTAuthorizer(keys: .none) }
    let identity = try DevelopmentIdentity.loadOrCreate(dataDirectory: dataDirectory)
    log(
        .notice(
            "authorizers trust the development identity",
            fields: [
                "key": DevelopmentIdentity.keyPath(dataDirectory: dataDirectory), "kid": identity.keyID,
                "get_a_token":
                    "local-gateway token --data-dir \(dataDirectory) --sub alice "
                    + "--scope \"orders/create orders/read orders/update-status\"",
            ]))
    return JWTAuthorizer(keys: try await identity.trustedKeys())
}
