import CryptoExtras
import Foundation
import JWTKit

@testable import LocalGateway

/// An RSA key pair standing in for an issuer's signing key, and tokens signed with it.
struct TestKey: Sendable {
    let kid: String
    let privateKey: JWTKit.Insecure.RSA.PrivateKey

    init(kid: String) throws {
        self.kid = kid
        privateKey = try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    /// The public key as a JWK object.
    func jwk(algorithm: String? = "RS256") throws -> String {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        let alg = algorithm.map { #","alg":"\#($0)""# } ?? ""
        return
            #"{"kty":"RSA","kid":"\#(kid)"\#(alg),"use":"sig","n":"\#(DevelopmentIdentity.base64URL(primitives.modulus))","e":"\#(DevelopmentIdentity.base64URL(primitives.publicExponent))"}"#
    }

    /// A JWKS of these keys' public halves.
    static func jwks(_ keys: [TestKey]) throws -> String {
        #"{"keys":["# + (try keys.map { try $0.jwk() }).joined(separator: ",") + "]}"
    }

    /// `claims` signed with this key; `kid` goes in the header (this key's own unless given; `.some(nil)` for none).
    func sign(_ claims: [String: SignedClaims.Claim], digest: DigestAlgorithm = .sha256, kid: String?? = nil)
        async throws -> String
    {
        let keys = JWTKeyCollection()
        await keys.add(rsa: privateKey, digestAlgorithm: digest)
        var header = JWTHeader()
        header.typ = "JWT"
        header.kid = kid ?? self.kid
        return try await keys.sign(SignedClaims(claims), header: header)
    }
}

/// Tokens for the tests: the claims a valid one carries, and the forged ones.
enum TestTokens {
    static let issuer = "https://issuer.test/pool"
    static let audience = "order-service"
    /// The tests' fixed "now".
    static let now = Date(timeIntervalSince1970: 1_795_599_060)

    static let authorizer = JWTAuthorizerDefinition(
        name: "OrderAuthorizer", issuer: issuer, audiences: [audience, "warehouse-client"])

    /// A valid token's claims at ``now``: for `alice`, with `scope`, issued a minute ago, expiring in an hour.
    static func claims(
        sub: String = "alice", scope: String = "orders/read", at now: Date = now
    ) -> [String: SignedClaims.Claim] {
        let seconds = Int64(now.timeIntervalSince1970)
        return [
            "iss": .string(issuer), "aud": .string(audience), "sub": .string(sub), "scope": .string(scope),
            "iat": .number(seconds - 60), "exp": .number(seconds + 3600),
        ]
    }

    /// `header.payload.` with no signature, for `alg` values that take none or another kind of key.
    static func unsigned(header: String, claims: [String: SignedClaims.Claim]) throws -> String {
        let payload = try JSONEncoder().encode(SignedClaims(claims))
        return DevelopmentIdentity.base64URL(Data(header.utf8)) + "." + DevelopmentIdentity.base64URL(payload) + "."
    }

    /// A token signed by another kind of key: HS256 with a shared secret, or ES256.
    static func signed(hmacSecret: String, claims: [String: SignedClaims.Claim], kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: hmacSecret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        return try await keys.sign(SignedClaims(claims), kid: JWKIdentifier(string: kid))
    }

    static func signedES256(claims: [String: SignedClaims.Claim], kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: ES256PrivateKey(), kid: JWKIdentifier(string: kid))
        return try await keys.sign(SignedClaims(claims), kid: JWKIdentifier(string: kid))
    }

    static func signedPS256(_ key: TestKey, claims: [String: SignedClaims.Claim]) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(pss: key.privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
        return try await keys.sign(SignedClaims(claims), kid: JWKIdentifier(string: key.kid))
    }
}
