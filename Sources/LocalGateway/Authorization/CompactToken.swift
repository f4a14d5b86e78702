import SystemSupport

/// A token in the JWS compact form, `header.payload.signature`, split and decoded but not yet verified.
struct CompactToken {
    /// The header's members.
    var header: [String: JSONValue]
    /// The payload's claims.
    var claims: TokenClaims
    /// The decoded signature.
    var signature: [UInt8]
    /// What the signature signs: the text of the token up to its second period.
    var signingInput: ArraySlice<UInt8>

    /// The parts of `token`.
    ///
    /// - Throws: ``AuthorizationRefusal/malformed`` unless the token is three base64url parts (padding optional), the
    ///   first two JSON objects, and the claims of the types ``TokenClaims`` reads.
    init(_ token: [UInt8]) throws(AuthorizationRefusal) {
        guard let first = token.firstIndex(of: UInt8(ascii: ".")),
            let second = token[(first + 1)...].firstIndex(of: UInt8(ascii: ".")),
            !token[(second + 1)...].contains(UInt8(ascii: "."))
        else { throw .malformed }
        guard let headerBytes = Self.base64URLDecoded(token[..<first]),
            let payloadBytes = Self.base64URLDecoded(token[(first + 1)..<second]),
            let signature = Self.base64URLDecoded(token[(second + 1)...]),
            case .object(let header)? = try? JSONValue.parse(headerBytes),
            case .object(let payload)? = try? JSONValue.parse(payloadBytes)
        else { throw .malformed }
        self.header = header
        self.claims = try TokenClaims(payload)
        self.signature = signature
        self.signingInput = token[..<second]
    }

    /// A header member when it is a string, as JWTKit reads `alg` and `kid`: any other type counts as absent.
    func headerString(_ name: String) -> String? {
        if case .string(let value)? = header[name] { return value }
        return nil
    }

    /// The value of each byte as a base64url digit; 64 for a byte that is none.
    private static let sextets: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt8(byte) - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt8(byte) - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: 64
        }
    }

    /// The bytes of base64url `text` (RFC 4648 §5), with or without `=` padding; nil for any other character or
    /// a length no encoding has.
    static func base64URLDecoded(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var end = text.endIndex
        // Padding: at most two, and only to a multiple of four.
        if text.count % 4 == 0 {
            for _ in 0..<2 where end > text.startIndex && text[end - 1] == UInt8(ascii: "=") { end -= 1 }
        }
        let count = end - text.startIndex
        guard count % 4 != 1 else { return nil }
        let sextets = Self.sextets
        // Four digits make three bytes, and a two- or three-digit tail one or two; the signature alone is 342 digits,
        // which a byte at a time, through the array's checks, cost a third of reading a token.
        return sextets.withUnsafeBufferPointer { sextets in
            text[..<end].withUnsafeBufferPointer { digits -> [UInt8]? in
                var valid = true
                let decoded = [UInt8](unsafeUninitializedCapacity: count / 4 * 3 + max(count % 4 - 1, 0)) {
                    output, written in
                    // Any digit outside the alphabet has 64 in its sextet, which the or of a group keeps.
                    func group(_ at: Int, _ length: Int) -> UInt32 {
                        var value: UInt32 = 0
                        var invalid: UInt8 = 0
                        for offset in 0..<length {
                            let sextet = sextets[Int(digits[at + offset])]
                            invalid |= sextet
                            value = value << 6 | UInt32(sextet)
                        }
                        valid = valid && invalid < 64
                        return value
                    }
                    var input = 0
                    while input + 4 <= count {
                        let value = group(input, 4)
                        output[written] = UInt8(truncatingIfNeeded: value >> 16)
                        output[written + 1] = UInt8(truncatingIfNeeded: value >> 8)
                        output[written + 2] = UInt8(truncatingIfNeeded: value)
                        written += 3
                        input += 4
                    }
                    switch count - input {
                    case 2:
                        output[written] = UInt8(truncatingIfNeeded: group(input, 2) >> 4)
                        written += 1
                    case 3:
                        let value = group(input, 3)
                        output[written] = UInt8(truncatingIfNeeded: value >> 10)
                        output[written + 1] = UInt8(truncatingIfNeeded: value >> 2)
                        written += 2
                    default: break
                    }
                }
                return valid ? decoded : nil
            }
        }
    }
}
