import Foundation
import JWTKit
import Testing

@testable import LocalGateway

/// The gateway's JWT authorizer, in process: every check API Gateway documents, each refusal with its answer.
@Suite("JWT authorizer")
struct JWTAuthorizerTests {
    let key: TestKey
    let rotated: TestKey
    let keys: TrustedKeys

    init() async throws {
        key = try TestKey(kid: "key-2026-11")
        rotated = try TestKey(kid: "key-2026-12")
        keys = try await TrustedKeys.jwks(try TestKey.jwks([key, rotated]), source: "test")
    }

    let readRoute = RouteAuthorization(authorizer: TestTokens.authorizer, scopes: ["orders/read"])

    func authorize(
        _ header: String?, route: RouteAuthorization? = nil, now: Date = TestTokens.now
    ) async -> Result<JWTAuthorizer.Grant, AuthorizationRefusal> {
        let request = GatewayRequest(
            method: "GET", path: "/order/1", headers: header.map { [HeaderField("Authorization", $0)] } ?? [])
        return await JWTAuthorizer(keys: keys, now: { now }).authorize(request, for: route ?? readRoute)
    }

    func refusal(_ result: Result<JWTAuthorizer.Grant, AuthorizationRefusal>) -> AuthorizationRefusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }

    // MARK: Accepted

    @Test("a valid token, after Bearer or alone, gives its claims as text and its scopes")
    func accepted() async throws {
        let token = try await key.sign(TestTokens.claims(scope: "orders/read orders/create"))
        for header in ["Bearer \(token)", token, "bearer \(token)"] {
            let grant = try await authorize(header).get()
            #expect(grant.claims["sub"] == "alice")
            #expect(grant.claims["iss"] == TestTokens.issuer)
            #expect(grant.claims["exp"] == String(Int(TestTokens.now.timeIntervalSince1970) + 3600))
            #expect(grant.scopes == ["orders/read", "orders/create"])
            #expect(grant.actor == "alice")
        }
    }

    @Test("whitespace around the token and after Bearer is ignored: spaces, tabs and Unicode spaces")
    func whitespace() async throws {
        let token = try await key.sign(TestTokens.claims())
        for header in [" \t\(token)\u{00A0}", "BEARER \t \(token)\u{3000}", "\u{2003}BeArEr \(token) "] {
            #expect(refusal(await authorize(header)) == nil, "\(header.prefix(12))")
        }
        // Not Bearer and a space: the whole text is the token, and it is malformed.
        #expect(refusal(await authorize("Bearer\t\(token)")) == .malformed)
        #expect(refusal(await authorize("Bearex \(token)")) == .malformed)
    }

    @Test("scope is split at spaces, however many, and only at spaces")
    func scopeWords() async throws {
        let token = try await key.sign(TestTokens.claims(scope: " orders/read  orders/create\torders/x "))
        #expect(try await authorize(token).get().scopes == ["orders/read", "orders/create\torders/x"])
    }

    @Test("scopes in an scp list count as in scope, and lists of claims read as [a b]")
    func scpArray() async throws {
        var claims = TestTokens.claims()
        claims["scope"] = nil
        claims["scp"] = .strings(["orders/create", "orders/read"])
        let grant = try await authorize("Bearer \(try await key.sign(claims))").get()
        #expect(grant.scopes == ["orders/create", "orders/read"])
        #expect(grant.claims["scp"] == "[orders/create orders/read]")
    }

    @Test("aud may be a list holding one of the audiences")
    func audienceList() async throws {
        var claims = TestTokens.claims()
        claims["aud"] = .strings(["another-api", "warehouse-client"])
        #expect(try await authorize(try await key.sign(claims)).get().claims["aud"] == "[another-api warehouse-client]")
    }

    @Test("a Cognito access token, with client_id and no aud, passes on its client_id; it is the actor without sub")
    func clientIDWithoutAudience() async throws {
        var claims = TestTokens.claims(scope: "orders/read")
        claims["aud"] = nil
        claims["sub"] = nil
        claims["client_id"] = .string("warehouse-client")
        let grant = try await authorize(try await key.sign(claims)).get()
        #expect(grant.actor == "warehouse-client")
    }

    @Test("key rotation: tokens of either key of the set pass, each checked against its own kid")
    func rotation() async throws {
        #expect(refusal(await authorize(try await key.sign(TestTokens.claims()))) == nil)
        #expect(refusal(await authorize(try await rotated.sign(TestTokens.claims()))) == nil)
        // Signed by one key, naming the other: the signature does not verify.
        let crossed = try await key.sign(TestTokens.claims(), kid: rotated.kid)
        #expect(refusal(await authorize(crossed)) == .invalidSignature)
    }

    @Test("RS384 and RS512 are accepted like RS256 by a key that names no alg")
    func otherRSAAlgorithms() async throws {
        let unnamed = try await TrustedKeys.jwks(#"{"keys":[\#(try key.jwk(algorithm: nil))]}"#, source: "test")
        for digest in [DigestAlgorithm.sha384, .sha512] {
            let token = try await key.sign(TestTokens.claims(), digest: digest)
            let request = GatewayRequest(method: "GET", path: "/", headers: [HeaderField("Authorization", token)])
            let result = await JWTAuthorizer(keys: unnamed, now: { TestTokens.now }).authorize(request, for: readRoute)
            #expect(throws: Never.self) { try result.get() }
        }
    }

    @Test("a route without scopes takes any valid token")
    func noScopes() async throws {
        let route = RouteAuthorization(authorizer: TestTokens.authorizer, scopes: [])
        #expect(refusal(await authorize(try await key.sign(TestTokens.claims(scope: "")), route: route)) == nil)
    }

    // MARK: Refused, 401

    @Test("no token, or an empty one: 401, the request has no token")
    func missingToken() async throws {
        #expect(refusal(await authorize(nil)) == .missingToken)
        #expect(refusal(await authorize("")) == .missingToken)
        #expect(refusal(await authorize("   ")) == .missingToken)
    }

    @Test(
        "malformed tokens: 401",
        arguments: ["Bearer", "Bearer x", "a.b.c", "eyJhbGciOiJSUzI1NiJ9..", "Basic YWxpY2U6cHc="])
    func malformed(header: String) async throws {
        #expect(refusal(await authorize(header)) == .malformed)
    }

    @Test("a claim of the wrong type makes the token malformed")
    func wrongClaimType() async throws {
        var claims = TestTokens.claims()
        claims["exp"] = .string("tomorrow")
        #expect(refusal(await authorize(try await key.sign(claims))) == .malformed)
    }

    @Test("alg none: 401, signing method none is invalid")
    func algorithmNone() async throws {
        let token = try TestTokens.unsigned(header: #"{"alg":"none","kid":"key-2026-11"}"#, claims: TestTokens.claims())
        #expect(refusal(await authorize(token)) == .algorithmNotAccepted("none"))
        let noAlg = try TestTokens.unsigned(header: #"{"kid":"key-2026-11"}"#, claims: TestTokens.claims())
        #expect(refusal(await authorize(noAlg)) == .algorithmNotAccepted("none"))
    }

    @Test("HS256, even keyed with the public key's kid: 401")
    func hmac() async throws {
        let token = try await TestTokens.signed(
            hmacSecret: "a shared secret of at least 32 bytes!", claims: TestTokens.claims(), kid: key.kid)
        #expect(refusal(await authorize(token)) == .algorithmNotAccepted("HS256"))
    }

    @Test("ES256: 401, as HTTP APIs accept only RSA")
    func ellipticCurve() async throws {
        let token = try await TestTokens.signedES256(claims: TestTokens.claims(), kid: key.kid)
        #expect(refusal(await authorize(token)) == .algorithmNotAccepted("ES256"))
    }

    @Test("PS256 by a trusted RSA key: 401")
    func pss() async throws {
        let token = try await TestTokens.signedPS256(key, claims: TestTokens.claims())
        #expect(refusal(await authorize(token)) == .algorithmNotAccepted("PS256"))
    }

    @Test("RS512 by a key published for RS256: 401")
    func algorithmOtherThanTheKeys() async throws {
        let token = try await key.sign(TestTokens.claims(), digest: .sha512)
        #expect(refusal(await authorize(token)) == .algorithmNotAccepted("RS512"))
    }

    @Test("no kid: 401; a kid not in the set: 401, though the set has a default key")
    func keyIDs() async throws {
        #expect(refusal(await authorize(try await key.sign(TestTokens.claims(), kid: .some(nil)))) == .missingKeyID)
        #expect(refusal(await authorize(try await key.sign(TestTokens.claims(), kid: "key-1999"))) == .unknownKeyID)
    }

    @Test("a key not in the set, using a kid of the set: 401, invalid signature")
    func foreignKey() async throws {
        let stranger = try TestKey(kid: key.kid)
        #expect(refusal(await authorize(try await stranger.sign(TestTokens.claims()))) == .invalidSignature)
    }

    @Test("a signature over other claims: 401")
    func tamperedPayload() async throws {
        let token = try await key.sign(TestTokens.claims(scope: "orders/read"))
        let parts = token.split(separator: ".")
        let forged = try TestTokens.unsigned(header: "{}", claims: TestTokens.claims(scope: "orders/admin"))
            .split(separator: ".")[1]
        #expect(refusal(await authorize("\(parts[0]).\(forged).\(parts[2])")) == .invalidSignature)
    }

    @Test("another issuer, or none: 401")
    func issuer() async throws {
        var claims = TestTokens.claims()
        claims["iss"] = .string("https://issuer.test/other-pool")
        #expect(refusal(await authorize(try await key.sign(claims))) == .invalidIssuer)
        claims["iss"] = nil
        #expect(refusal(await authorize(try await key.sign(claims))) == .invalidIssuer)
    }

    @Test("another audience: 401, the token does not have a valid audience")
    func audience() async throws {
        var claims = TestTokens.claims()
        claims["aud"] = .string("another-api")
        #expect(refusal(await authorize(try await key.sign(claims))) == .invalidAudience)
    }

    @Test("client_id counts only without aud: a wrong aud fails even with a right client_id, and neither fails")
    func clientIDOnlyWithoutAudience() async throws {
        var claims = TestTokens.claims()
        claims["aud"] = .string("another-api")
        claims["client_id"] = .string("warehouse-client")
        #expect(refusal(await authorize(try await key.sign(claims))) == .invalidAudience)
        claims["aud"] = nil
        claims["client_id"] = .string("some-other-client")
        #expect(refusal(await authorize(try await key.sign(claims))) == .invalidAudience)
        claims["client_id"] = nil
        #expect(refusal(await authorize(try await key.sign(claims))) == .invalidAudience)
    }

    @Test("expired, expiring right now, or without exp: 401")
    func expiry() async throws {
        let seconds = Int64(TestTokens.now.timeIntervalSince1970)
        var claims = TestTokens.claims()
        claims["exp"] = .number(seconds - 1)
        #expect(refusal(await authorize(try await key.sign(claims))) == .expired)
        claims["exp"] = .number(seconds)
        #expect(refusal(await authorize(try await key.sign(claims))) == .expired)
        claims["exp"] = nil
        #expect(refusal(await authorize(try await key.sign(claims))) == .missingExpiration)
    }

    @Test("nbf or iat after now: 401")
    func future() async throws {
        let seconds = Int64(TestTokens.now.timeIntervalSince1970)
        var claims = TestTokens.claims()
        claims["nbf"] = .number(seconds + 5)
        #expect(refusal(await authorize(try await key.sign(claims))) == .notYetValid)
        claims["nbf"] = .number(seconds)
        claims["iat"] = .number(seconds + 5)
        #expect(refusal(await authorize(try await key.sign(claims))) == .issuedInTheFuture)
    }

    @Test("clock skew: the gateway's clock decides, with no leeway either way")
    func clockSkew() async throws {
        // An issuer whose clock runs 30 s ahead of the gateway's.
        let issuerNow = TestTokens.now.addingTimeInterval(30)
        var claims = TestTokens.claims(at: issuerNow)
        let seconds = Int64(issuerNow.timeIntervalSince1970)
        claims["iat"] = .number(seconds)
        claims["nbf"] = .number(seconds)
        claims["exp"] = .number(seconds + 60)
        let token = try await key.sign(claims)
        #expect(refusal(await authorize(token, now: TestTokens.now)) == .notYetValid)
        #expect(refusal(await authorize(token, now: issuerNow.addingTimeInterval(-1))) == .notYetValid)
        #expect(refusal(await authorize(token, now: issuerNow)) == nil)
        #expect(refusal(await authorize(token, now: issuerNow.addingTimeInterval(59))) == nil)
        #expect(refusal(await authorize(token, now: issuerNow.addingTimeInterval(60))) == .expired)
    }

    // MARK: Refused, 403

    @Test("none of the route's scopes: 403, insufficient scope")
    func missingScope() async throws {
        let token = try await key.sign(TestTokens.claims(scope: "orders/create"))
        #expect(refusal(await authorize(token)) == .insufficientScope(required: ["orders/read"]))
        let noScope = try await key.sign(TestTokens.claims(scope: ""))
        #expect(refusal(await authorize(noScope)) == .insufficientScope(required: ["orders/read"]))
        // One of several is enough.
        let route = RouteAuthorization(authorizer: TestTokens.authorizer, scopes: ["orders/admin", "orders/create"])
        #expect(refusal(await authorize(token, route: route)) == nil)
    }

    // MARK: Answers

    @Test("401 and 403 answer as API Gateway does, with www-authenticate")
    func answers() {
        let unauthorized = GatewayResponse(AuthorizationRefusal.invalidAudience)
        #expect(unauthorized.status == 401)
        #expect(String(decoding: unauthorized.body, as: UTF8.self) == #"{"message":"Unauthorized"}"#)
        #expect(
            unauthorized.values(of: "WWW-Authenticate") == [
                #"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#
            ])
        let forbidden = GatewayResponse(AuthorizationRefusal.insufficientScope(required: ["orders/read"]))
        #expect(forbidden.status == 403)
        #expect(String(decoding: forbidden.body, as: UTF8.self) == #"{"message":"Forbidden"}"#)
        #expect(
            forbidden.values(of: "www-authenticate") == [
                #"Bearer scope="orders/read" error="insufficient_scope" error_description="expected scopes: [orders/read]""#
            ])
    }

    // MARK: Key sets

    @Test("a JWKS keeps its RSA keys, skips others, and refuses what it cannot use")
    func keySets() async throws {
        let mixed =
            #"{"keys":[\#(try key.jwk()),{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"},{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"#
        #expect(try await TrustedKeys.jwks(mixed, source: "test").keyIDs == [key.kid])
        for invalid in [#"{}"#, #"{"keys":[]}"#, #"[1]"#, #"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#] {
            await #expect(throws: GatewayError.self) { try await TrustedKeys.jwks(invalid, source: "test") }
        }
        let twice = #"{"keys":[\#(try key.jwk()),\#(try key.jwk())]}"#
        await #expect(throws: GatewayError.self) { try await TrustedKeys.jwks(twice, source: "test") }
    }

    @Test("the development identity is made once per data directory and signs tokens its own keys accept")
    func developmentIdentity() async throws {
        let directory = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = try DevelopmentIdentity.loadOrCreate(dataDirectory: directory.path)
        let again = try DevelopmentIdentity.loadOrCreate(dataDirectory: directory.path)
        #expect(identity.keyID == again.keyID)
        let path = DevelopmentIdentity.keyPath(dataDirectory: directory.path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let token = try await identity.token(
            for: TestTokens.authorizer, subject: "bob", scopes: ["orders/read"], lifetime: 60, now: TestTokens.now)
        let request = GatewayRequest(
            method: "GET", path: "/", headers: [HeaderField("Authorization", "Bearer \(token)")])
        let authorizer = JWTAuthorizer(keys: try await again.trustedKeys(), now: { TestTokens.now })
        let grant = try await authorizer.authorize(request, for: readRoute).get()
        #expect(grant.claims["sub"] == "bob")
        #expect(grant.claims["aud"] == TestTokens.audience)
        let later = JWTAuthorizer(keys: try await again.trustedKeys(), now: { TestTokens.now.addingTimeInterval(60) })
        #expect(refusal(await later.authorize(request, for: readRoute)) == .expired)
    }
}
