import Foundation
import JWTKit

/// The public keys the gateway trusts to have signed tokens: a JSON Web Key Set, as an issuer publishes at its
/// `jwks_uri`, kept to the RSA keys, the only kind API Gateway's JWT authorizers accept.
///
/// Verification goes through JWTKit, with one key collection per algorithm: a key that names no `alg` serves all
/// three, and JWTKit keeps the first algorithm a key was used with. The set also remembers each key's `kid` and
/// algorithms itself, because JWTKit falls back to its default key for a `kid` it does not know, where API Gateway
/// refuses the token.
public struct TrustedKeys: Sendable {
    /// The keys for each of RS256, RS384 and RS512.
    let collections: [String: JWTKeyCollection]
    /// The algorithms each key may verify, by `kid`: its own `alg`, or all three when it names none.
    let algorithms: [String: Set<String>]

    /// The key ids, sorted.
    public var keyIDs: [String] { algorithms.keys.sorted() }

    /// No keys: every token is refused.
    public static let none = TrustedKeys(collections: [:], algorithms: [:])

    init(collections: [String: JWTKeyCollection], algorithms: [String: Set<String>]) {
        self.collections = collections
        self.algorithms = algorithms
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

        var collections: [String: JWTKeyCollection] = [:]
        for algorithm in JWTAuthorizer.acceptedAlgorithms { collections[algorithm] = JWTKeyCollection() }
        var algorithms: [String: Set<String>] = [:]
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any] else { throw invalid("keys[\(index)] is not an object") }
            guard fields["kty"] as? String == "RSA" else { continue }
            guard let kid = fields["kid"] as? String, !kid.isEmpty else { throw invalid("keys[\(index)] has no kid") }
            guard algorithms[kid] == nil else { throw invalid("two keys have the kid \(kid)") }
            let algorithm = fields["alg"] as? String
            if let algorithm, !JWTAuthorizer.acceptedAlgorithms.contains(algorithm) {
                continue  // An RSA key for PS256 or encryption: not one a JWT authorizer uses.
            }
            let usable = algorithm.map { [$0] } ?? JWTAuthorizer.acceptedAlgorithms
            do {
                let data = try JSONSerialization.data(withJSONObject: fields)
                for name in usable {
                    var key = try JWK(json: String(decoding: data, as: UTF8.self))
                    key.algorithm = JWK.Algorithm(rawValue: name)
                    try await collections[name]?.add(jwk: key)
                }
            } catch {
                throw invalid("keys[\(index)] (kid \(kid)) cannot be read: \(error)")
            }
            algorithms[kid] = usable
        }
        guard !algorithms.isEmpty else { throw invalid("it holds no RSA key for RS256, RS384 or RS512") }
        return TrustedKeys(collections: collections, algorithms: algorithms)
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
