import Foundation
import JWTKit

/// The claims of a token, as the authorizer checks them and as the function receives them.
///
/// The registered claims are read with JWTKit's claim types, so a claim of the wrong type (an `exp` that is not a
/// number, an `aud` that is not a string or a list of them) makes the token malformed. Every claim is also kept as
/// text, as API Gateway passes claims on: strings as they are, numbers and booleans written out, lists as
/// `[a b c]`, objects as JSON.
struct TokenClaims: JWTPayload {
    var issuer: IssuerClaim?
    var subject: SubjectClaim?
    var audience: AudienceClaim?
    var expiration: ExpirationClaim?
    var notBefore: NotBeforeClaim?
    var issuedAt: IssuedAtClaim?
    /// Cognito access tokens carry the app client here instead of in `aud`.
    var clientID: String?
    /// The scopes of the `scope` claim (space-separated) and the `scp` claim (a list, or space-separated text).
    var scopes: [String]
    /// Every claim as text, for `requestContext.authorizer.jwt.claims`.
    var text: [String: String]

    private enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case audience = "aud"
        case expiration = "exp"
        case notBefore = "nbf"
        case issuedAt = "iat"
        case clientID = "client_id"
        case scope
        case scp
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try container.decodeIfPresent(IssuerClaim.self, forKey: .issuer)
        subject = try container.decodeIfPresent(SubjectClaim.self, forKey: .subject)
        audience = try container.decodeIfPresent(AudienceClaim.self, forKey: .audience)
        expiration = try container.decodeIfPresent(ExpirationClaim.self, forKey: .expiration)
        notBefore = try container.decodeIfPresent(NotBeforeClaim.self, forKey: .notBefore)
        issuedAt = try container.decodeIfPresent(IssuedAtClaim.self, forKey: .issuedAt)
        clientID = try container.decodeIfPresent(String.self, forKey: .clientID)
        var scopes = try container.decodeIfPresent(String.self, forKey: .scope).map(Self.words) ?? []
        if let list = try? container.decodeIfPresent([String].self, forKey: .scp) {
            scopes += list
        } else if let words = try container.decodeIfPresent(String.self, forKey: .scp) {
            scopes += Self.words(words)
        }
        self.scopes = scopes
        text = try decoder.singleValueContainer().decode([String: ClaimValue].self).mapValues(\.text)
    }

    /// Signing writes the claims back from their text, which ``DevelopmentIdentity`` and the tests never need: they
    /// sign ``SignedClaims``.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// Nothing here: the authorizer checks the claims against its configuration and its clock after JWTKit has
    /// checked the signature.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    private static func words(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }
}

/// Any JSON value of a claim, for its text.
private enum ClaimValue: Decodable {
    case text(String)
    case list([ClaimValue])
    case other(String)

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let string = try? value.decode(String.self) {
            self = .text(string)
        } else if let flag = try? value.decode(Bool.self) {
            self = .other(flag ? "true" : "false")
        } else if let number = try? value.decode(Int64.self) {
            self = .other(String(number))
        } else if let number = try? value.decode(Double.self) {
            self = .other(String(number))
        } else if let list = try? value.decode([ClaimValue].self) {
            self = .list(list)
        } else if value.decodeNil() {
            self = .other("null")
        } else {
            let object = try value.decode([String: ClaimValue].self)
            let members = object.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value.text)\"" }
            self = .other("{" + members.joined(separator: ",") + "}")
        }
    }

    /// API Gateway's text of the value: a list as `[a b c]`.
    var text: String {
        switch self {
        case .text(let text), .other(let text): text
        case .list(let items): "[" + items.map(\.text).joined(separator: " ") + "]"
        }
    }
}

/// Claims to sign into a token: every value a string, a number or a list of strings.
struct SignedClaims: JWTPayload, Equatable {
    /// The claims by name.
    var claims: [String: Claim]

    /// One claim's value.
    enum Claim: Codable, Sendable, Equatable {
        case string(String)
        case number(Int64)
        case strings([String])

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let number = try? value.decode(Int64.self) {
                self = .number(number)
            } else if let list = try? value.decode([String].self) {
                self = .strings(list)
            } else {
                self = .string(try value.decode(String.self))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var value = encoder.singleValueContainer()
            switch self {
            case .string(let text): try value.encode(text)
            case .number(let number): try value.encode(number)
            case .strings(let list): try value.encode(list)
            }
        }
    }

    init(_ claims: [String: Claim]) {
        self.claims = claims
    }

    init(from decoder: any Decoder) throws {
        claims = try decoder.singleValueContainer().decode([String: Claim].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(claims)
    }

    /// Signing only: nothing to check.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
