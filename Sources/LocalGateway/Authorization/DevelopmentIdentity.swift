import Crypto
import CryptoExtras
public import Foundation
import JWTKit

#if canImport(Glibc)
    import Glibc
#endif

/// The local stand-in for an identity provider: an RSA key the gateway makes once in the data directory and trusts
/// when no `--jwks` is given, and that `local-gateway token` signs development tokens with.
///
/// The key is `local-gateway/development-key.pem` under the data directory (mode 0600; anyone who can read it can
/// sign tokens the local gateway accepts, and nothing else). Tokens carry the issuer and the first audience of the
/// template's authorizer, so the gateway checks them exactly as it would check a real issuer's.
public struct DevelopmentIdentity: Sendable {
    private let privateKey: JWTKit.Insecure.RSA.PrivateKey
    /// The key's id, `dev-` and 16 hex digits of the SHA-256 of its public key: a new key gets a new id.
    public let keyID: String

    /// Where the key is kept under `dataDirectory`.
    public static func keyPath(dataDirectory: String) -> String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("local-gateway/development-key.pem").path
    }

    /// The identity of `dataDirectory`, made on first use. Two processes making it at once end up with the same key.
    ///
    /// - Throws: ``GatewayError`` `identity_unusable` when the key cannot be written or read back.
    public static func loadOrCreate(dataDirectory: String) throws(GatewayError) -> DevelopmentIdentity {
        let path = keyPath(dataDirectory: dataDirectory)
        func unusable(_ reason: String) -> GatewayError {
            GatewayError(code: "identity_unusable", message: "the development signing key \(path) \(reason)")
        }
        if !FileManager.default.fileExists(atPath: path) {
            let directory = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let pem: String
                do {
                    pem = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
                }
                let temporary = "\(path).\(getpid()).tmp"
                guard
                    FileManager.default.createFile(
                        atPath: temporary, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600])
                else { throw unusable("cannot be written in \(directory)") }
                defer { unlink(temporary) }
                // link() never replaces: the first process to make the key wins, and the others read its key.
                if link(temporary, path) != 0, errno != EEXIST {
                    throw unusable("cannot be written: \(String(cString: strerror(errno)))")
                }
            } catch let error as GatewayError {
                throw error
            } catch {
                throw unusable("cannot be made: \(error)")
            }
        }
        guard let pem = FileManager.default.contents(atPath: path) else { throw unusable("cannot be read") }
        do {
            let key = try JWTKit.Insecure.RSA.PrivateKey(pem: String(decoding: pem, as: UTF8.self))
            let digest = SHA256.hash(data: key.publicKey.derRepresentation)
            let id = "dev-" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
            return DevelopmentIdentity(privateKey: key, keyID: id)
        } catch {
            throw unusable("is not an RSA private key in PEM: \(error)")
        }
    }

    private init(privateKey: JWTKit.Insecure.RSA.PrivateKey, keyID: String) {
        self.privateKey = privateKey
        self.keyID = keyID
    }

    /// The identity's public key as the one key of a JWKS, which is what the gateway trusts.
    public func jwks() throws(GatewayError) -> String {
        let primitives: (modulus: Data, publicExponent: Data)
        do {
            primitives = try privateKey.publicKey.getKeyPrimitives()
        } catch {
            throw GatewayError(
                code: "identity_unusable", message: "the development key has no RSA public key: \(error)")
        }
        return """
            {"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"\(keyID)",\
            "n":"\(Self.base64URL(primitives.modulus))","e":"\(Self.base64URL(primitives.publicExponent))"}]}
            """
    }

    /// The keys the gateway trusts when it uses this identity.
    public func trustedKeys() async throws(GatewayError) -> TrustedKeys {
        try await TrustedKeys.jwks(try jwks(), source: "the development identity")
    }

    /// A token for `authorizer` speaking for `subject`, holding `scopes`, valid for `lifetime` seconds from `now`:
    /// `iss` the authorizer's issuer, `aud` its first audience, `sub`, `scope`, `iat`, `exp`, and a `jti`.
    public func token(
        for authorizer: JWTAuthorizerDefinition, subject: String, scopes: [String], lifetime: Int,
        now: Date = Date()
    ) async throws(GatewayError) -> String {
        let issued = Int64(now.timeIntervalSince1970)
        var claims: [String: SignedClaims.Claim] = [
            "iss": .string(authorizer.issuer), "sub": .string(subject), "iat": .number(issued),
            "exp": .number(issued + Int64(lifetime)), "jti": .string(UUID().uuidString.lowercased()),
        ]
        if let audience = authorizer.audiences.first { claims["aud"] = .string(audience) }
        if !scopes.isEmpty { claims["scope"] = .string(scopes.joined(separator: " ")) }
        let keys = JWTKeyCollection()
        await keys.add(rsa: privateKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID))
        do {
            var header = JWTHeader()
            header.typ = "JWT"
            return try await keys.sign(SignedClaims(claims), kid: JWKIdentifier(string: keyID), header: header)
        } catch {
            throw GatewayError(code: "identity_unusable", message: "cannot sign with the development key: \(error)")
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
