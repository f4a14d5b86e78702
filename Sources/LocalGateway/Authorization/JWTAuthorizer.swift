public import Foundation
import JWTKit
import SystemSupport

/// API Gateway's JWT authorizer, locally: checks the token of a request against a route's authorizer and scopes,
/// as AWS documents the checks, with the signature verified by the key of ``TrustedKeys`` the token names.
///
/// In order: a token in the identity header (alone or after `Bearer `); three base64url parts of JSON; `alg` one of
/// RS256, RS384, RS512 (never `none`, HMAC or elliptic curves); a `kid` that names a key of the set, whose own `alg`,
/// if it has one, is the token's; a valid signature; `iss` equal to the issuer; `aud` one of the audiences or, only
/// for a token without `aud`, `client_id` one of them; `exp` after now; `nbf` and `iat`, when present, not after now;
/// then at least one of the route's scopes in `scope` or `scp`. There is no leeway for clock skew, as API Gateway
/// documents none: the gateway's clock decides.
public struct JWTAuthorizer: Sendable {
    /// The algorithms of HTTP API JWT authorizers.
    static let acceptedAlgorithms: Set<String> = ["RS256", "RS384", "RS512"]

    public var keys: TrustedKeys
    /// The clock `exp`, `nbf` and `iat` are compared with, passed in so tests can move it.
    public var now: @Sendable () -> Date

    /// Verifies tokens against `keys`; `now` is the clock that `exp`, `nbf` and `iat` are checked against.
    public init(keys: TrustedKeys, now: @escaping @Sendable () -> Date = { Date() }) {
        self.keys = keys
        self.now = now
    }

    /// What a verified token gives the function: its claims as text and its scopes.
    public struct Grant: Sendable, Equatable {
        /// Every claim of the token, as API Gateway passes them (`requestContext.authorizer.jwt.claims`).
        public var claims: [String: String]
        /// The token's scopes (`requestContext.authorizer.jwt.scopes`).
        public var scopes: [String]

        /// Who the token speaks for: `sub`, or `client_id` for a machine client without one.
        public var actor: String? { claims["sub"] ?? claims["client_id"] }
    }

    /// Checks the token `request` carries for `route`.
    ///
    /// Costs one RSA signature verification and a reading of the token's two JSON parts (``JSONValue``); no I/O.
    public func authorize(_ request: GatewayRequest, for route: RouteAuthorization) async
        -> Result<Grant, AuthorizationRefusal>
    {
        let authorizer = route.authorizer
        guard let header = request.header(authorizer.identityHeader) else { return .failure(.missingToken) }
        var token = header.trimmingWhitespace
        guard !token.isEmpty else { return .failure(.missingToken) }
        if Self.hasBearerPrefix(token) {
            token = token.dropFirst("bearer ".count).trimmingWhitespace
        }

        let parts: CompactToken
        do throws(AuthorizationRefusal) {
            // Copied at once from contiguous storage, not byte by byte as a `Substring`'s UTF-8 view iterates.
            parts = try CompactToken(token.withUTF8 { Array($0) })
        } catch {
            return .failure(error)
        }
        guard let algorithm = parts.headerString("alg"), Self.acceptedAlgorithms.contains(algorithm) else {
            return .failure(.algorithmNotAccepted(parts.headerString("alg") ?? "none"))
        }
        guard let kid = parts.headerString("kid") else { return .failure(.missingKeyID) }
        guard let keyVerifiers = keys.verifiers[kid] else { return .failure(.unknownKeyID) }
        guard let verifier = keyVerifiers[algorithm] else { return .failure(.algorithmNotAccepted(algorithm)) }
        guard (try? verifier.verify(parts.signature, signs: parts.signingInput)) == true else {
            return .failure(.invalidSignature)
        }

        let claims = parts.claims
        guard claims.issuer == authorizer.issuer else { return .failure(.invalidIssuer) }
        if let audience = claims.audience {
            guard audience.contains(where: authorizer.audiences.contains) else {
                return .failure(.invalidAudience)
            }
        } else {
            guard let client = claims.clientID, authorizer.audiences.contains(client) else {
                return .failure(.invalidAudience)
            }
        }
        let now = now()
        guard let expiration = claims.expiration else { return .failure(.missingExpiration) }
        guard now < expiration else { return .failure(.expired) }
        if let notBefore = claims.notBefore, notBefore > now { return .failure(.notYetValid) }
        if let issuedAt = claims.issuedAt, issuedAt > now { return .failure(.issuedInTheFuture) }

        if !route.scopes.isEmpty, !claims.scopes.contains(where: route.scopes.contains) {
            return .failure(.insufficientScope(required: route.scopes))
        }
        return .success(Grant(claims: claims.text, scopes: claims.scopes))
    }

    /// Whether `text` starts with `Bearer ` in any case. Only ASCII letters lower-case to those of `bearer`, so
    /// comparing the first seven bytes is `lowercased().hasPrefix("bearer ")` without lower-casing the token.
    static func hasBearerPrefix(_ text: Substring) -> Bool {
        let prefix = text.utf8.prefix(7)
        return prefix.count == 7
            && zip(prefix, "bearer ".utf8).allSatisfy { byte, expected in
                byte == expected || (expected != UInt8(ascii: " ") && byte | 0x20 == expected)
            }
    }
}

/// Why the authorizer refused a request: 401 for a missing or invalid token, 403 for one without the route's scopes,
/// answered as API Gateway answers.
public enum AuthorizationRefusal: Error, Sendable, Equatable {
    case missingToken
    /// Not three base64url parts of JSON, or a claim of the wrong type.
    case malformed
    /// `alg` is not RS256, RS384 or RS512 (`none`, HS256, ES256, PS256, …), or not the one its key is for.
    case algorithmNotAccepted(String)
    case missingKeyID
    /// `kid` names no key of the set.
    case unknownKeyID
    case invalidSignature
    case invalidIssuer
    case invalidAudience
    case missingExpiration
    case expired
    /// `nbf` is after now.
    case notYetValid
    /// `iat` is after now.
    case issuedInTheFuture
    /// The token holds none of `required`.
    case insufficientScope(required: [String])

    /// 401, or 403 for ``insufficientScope(required:)``.
    public var status: Int {
        if case .insufficientScope = self { return 403 }
        return 401
    }

    /// What is wrong, as the `error_description` of `www-authenticate` says it.
    public var description: String {
        switch self {
        case .missingToken: "the request has no token"
        case .malformed: "the token is malformed"
        case .algorithmNotAccepted(let algorithm): "signing method \(algorithm) is invalid"
        case .missingKeyID: "the token has no kid"
        case .unknownKeyID: "the token's kid is not a key of the issuer"
        case .invalidSignature: "the token's signature is invalid"
        case .invalidIssuer: "the token does not have a valid issuer"
        case .invalidAudience: "the token does not have a valid audience"
        case .missingExpiration: "the token has no expiration"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .issuedInTheFuture: "the token was issued in the future"
        case .insufficientScope(let required): "expected scopes: [\(required.joined(separator: " "))]"
        }
    }

    /// The `www-authenticate` value: `Bearer scope="…" error="invalid_token" error_description="…"`, or
    /// `error="insufficient_scope"` with the route's scopes.
    public var challenge: String {
        switch self {
        case .insufficientScope(let required):
            "Bearer scope=\"\(required.joined(separator: " "))\" error=\"insufficient_scope\" "
                + "error_description=\"\(description)\""
        default:
            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"\(description)\""
        }
    }
}

extension GatewayResponse {
    /// API Gateway's answer to a refused request: `{"message":"Unauthorized"}` or `{"message":"Forbidden"}`, with
    /// `www-authenticate` saying why.
    init(_ refusal: AuthorizationRefusal) {
        let message = refusal.status == 403 ? "Forbidden" : "Unauthorized"
        self.init(
            status: refusal.status,
            headers: [
                HeaderField("Content-Type", "application/json"), HeaderField("www-authenticate", refusal.challenge),
            ],
            body: Array("{\"message\":\"\(message)\"}".utf8))
    }
}
