import Testing

@testable import LocalGateway

/// The base64url segments of a compact token (RFC 7515).
@Suite("Compact token")
struct CompactTokenTests {
    @Test("base64url with or without padding; other alphabets and impossible lengths are refused")
    func base64URL() {
        #expect(CompactToken.base64URLDecoded(ArraySlice("eyJhIjoxfQ".utf8)) == Array(#"{"a":1}"#.utf8))
        #expect(CompactToken.base64URLDecoded(ArraySlice("eyJhIjoxfQ==".utf8)) == Array(#"{"a":1}"#.utf8))
        #expect(CompactToken.base64URLDecoded(ArraySlice("-_8".utf8)) == [0xFB, 0xFF])
        #expect(CompactToken.base64URLDecoded(ArraySlice("".utf8)) == [])
        for invalid in ["+/8", "a", "abcde", "ab=c", "a==="] {
            #expect(CompactToken.base64URLDecoded(ArraySlice(invalid.utf8)) == nil, "\(invalid)")
        }
    }
}
