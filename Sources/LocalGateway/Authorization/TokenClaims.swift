import Foundation
import JWTKit
import SystemSupport

/// The claims of a token, as the authorizer checks them and as the function receives them.
///
/// The registered claims must have their types, as JWTKit's claim types read them, or the token is malformed: `iss`,
/// `sub` and `client_id` strings, `aud` a string or a list of them, `exp`, `nbf` and `iat` numbers (seconds since
/// 1970), `scope` a string, `scp` a list of strings or a string; `null` counts as absent. Every claim is also kept
/// as text, as API Gateway passes claims on (``JSONValue/text``).
struct TokenClaims {
    var issuer: String?
    var subject: String?
    var audience: [String]?
    var expiration: Date?
    var notBefore: Date?
    var issuedAt: Date?
    /// Cognito access tokens carry the app client here instead of in `aud`.
    var clientID: String?
    /// The scopes of the `scope` claim (space-separated) and the `scp` claim (a list, or space-separated text).
    var scopes: [String]
    /// Every claim as text, for `requestContext.authorizer.jwt.claims`.
    var text: [String: String]

    /// The claims of a token's payload.
    ///
    /// - Throws: ``AuthorizationRefusal/malformed`` when a registered claim has another type.
    init(_ payload: [String: JSONValue]) throws(AuthorizationRefusal) {
        issuer = try Self.string(payload["iss"])
        subject = try Self.string(payload["sub"])
        switch payload["aud"] {
        case nil, .null?: audience = nil
        case .string(let value)?: audience = [value]
        case .array(let items)?:
            audience = try items.map { item throws(AuthorizationRefusal) in try Self.listItem(item) }
        default: throw .malformed
        }
        expiration = try Self.date(payload["exp"])
        notBefore = try Self.date(payload["nbf"])
        issuedAt = try Self.date(payload["iat"])
        clientID = try Self.string(payload["client_id"])
        var scopes = try Self.string(payload["scope"]).map(Self.words) ?? []
        switch payload["scp"] {
        case nil, .null?: break
        case .string(let words)?: scopes += Self.words(words)
        case .array(let items)?:
            scopes += try items.map { item throws(AuthorizationRefusal) in try Self.listItem(item) }
        default: throw .malformed
        }
        self.scopes = scopes
        text = payload.mapValues(\.text)
    }

    private static func string(_ value: JSONValue?) throws(AuthorizationRefusal) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let string)?: return string
        default: throw .malformed
        }
    }

    private static func listItem(_ value: JSONValue) throws(AuthorizationRefusal) -> String {
        guard case .string(let string) = value else { throw .malformed }
        return string
    }

    private static func date(_ value: JSONValue?) throws(AuthorizationRefusal) -> Date? {
        switch value {
        case nil, .null?: return nil
        case .number(let seconds, _)?: return Date(timeIntervalSince1970: seconds)
        default: throw .malformed
        }
    }

    private static func words(_ text: String) -> [String] {
        // By bytes: a space is one byte, and a `Character`-wise split cost more than the rest of the claims.
        text.utf8.split(separator: UInt8(ascii: " ")).map { String(Substring($0)) }
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
