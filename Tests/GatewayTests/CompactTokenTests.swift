import Foundation
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

    @Test("every length decodes as Foundation decodes base64, from a slice anywhere in its array")
    func base64URLAgreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let standard = Data(bytes).base64EncodedString()
            let url = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let unpadded = url.replacingOccurrences(of: "=", with: "")
            for text in Set([url, unpadded]) {
                let token = Array("xx.\(text).yy".utf8)
                #expect(CompactToken.base64URLDecoded(token[3..<(token.count - 3)]) == bytes, "\(text)")
            }
            // A digit from another alphabet anywhere refuses the whole.
            if !unpadded.isEmpty {
                var wrong = Array(unpadded.utf8)
                wrong[length % wrong.count] = UInt8(ascii: "+")
                #expect(CompactToken.base64URLDecoded(wrong[...]) == nil, "\(unpadded)")
            }
        }
    }
}
