import Foundation
import JWTKit

/// The public keys the gateway trusts to have signed tokens: a JSON Web Key Set, as an issuer publishes at its
/// `jwks_uri`, kept to the RSA keys, the only kind API Gateway's JWT authorizers accept.
///
/// Each key is read by JWTKit once, when the set is loaded, into a verifier per algorithm it may verify (its own
/// `alg`, or all three when it names none); a request looks its verifier up by `kid` and algorithm and checks the
/// signature with it directly, without JWTKit's key collection actor or its parsing of the token. A `kid` the set
/// does not hold finds nothing, where JWTKit would fall back to a default key: API Gateway refuses such a token.
public struct TrustedKeys: Sendable {
    /// The verifiers by `kid`, then by algorithm (RS256, RS384, RS512).
    let verifiers: [String: [String: any JWTAlgorithm]]

    /// The key ids, sorted.
    public var keyIDs: [String] { verifiers.keys.sorted() }

    /// No keys: every token is refused.
    public static let none = TrustedKeys(verifiers: [:])

    init(verifiers: [String: [String: any JWTAlgorithm]]) {
        self.verifiers = verifiers
    }

    /// The RSA keys of a JWKS document (`{"keys": [...]}`); keys of other types are left out, as an HTTP API would
    /// never accept a token they signed.
    ///
    /// - Throws: ``GatewayError`` `jwks_invalid` when the text is not a JWKS, an RSA key has no `kid` or cannot be
    ///   read, two keys share a `kid`, or no RSA key is left.
    public static func jwks(_ text: String, source: String) async throws(GatewayError) -> TrustedKeys {
        func invalid(_ reason: String) -> GatewayError {
            GatewayError(code: "jwks_invalid", message: "\(source) is not a usable JSON Web Key Set: \(reason)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let entries = object["keys"] as? [Any]
        else { throw invalid("it must be a JSON object with a \"keys\" list") }

        var verifiers: [String: [String: any JWTAlgorithm]] = [:]
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any] else { throw invalid("keys[\(index)] is not an object") }
            guard fields["kty"] as? String == "RSA" else { continue }
            guard let kid = fields["kid"] as? String, !kid.isEmpty else { throw invalid("keys[\(index)] has no kid") }
            guard verifiers[kid] == nil else { throw invalid("two keys have the kid \(kid)") }
            let algorithm = fields["alg"] as? String
            if let algorithm, !JWTAuthorizer.acceptedAlgorithms.contains(algorithm) {
                continue  // An RSA key for PS256 or encryption: not one a JWT authorizer uses.
            }
            let usable = algorithm.map { [$0] } ?? JWTAuthorizer.acceptedAlgorithms
            var byAlgorithm: [String: any JWTAlgorithm] = [:]
            do {
                let data = try JSONSerialization.data(withJSONObject: fields)
                for name in usable {
                    var key = try JWK(json: String(decoding: data, as: UTF8.self))
                    key.algorithm = JWK.Algorithm(rawValue: name)
                    let collection = JWTKeyCollection()
                    try await collection.add(jwk: key)
                    byAlgorithm[name] = try await collection.getKey(for: JWKIdentifier(string: kid), alg: name)
                }
            } catch {
                throw invalid("keys[\(index)] (kid \(kid)) cannot be read: \(error)")
            }
            verifiers[kid] = byAlgorithm
        }
        guard !verifiers.isEmpty else { throw invalid("it holds no RSA key for RS256, RS384 or RS512") }
        return TrustedKeys(verifiers: verifiers)
    }

    /// The keys of the JWKS file at `path` (`--jwks`).
    ///
    /// - Throws: ``GatewayError`` `jwks_unreadable` when the file cannot be read, `jwks_invalid` as ``jwks(_:source:)``.
    public static func load(fromFile path: String) async throws(GatewayError) -> TrustedKeys {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GatewayError(code: "jwks_unreadable", message: "cannot read the JSON Web Key Set \(path)")
        }
        return try await jwks(String(decoding: data, as: UTF8.self), source: path)
    }
}
