import Testing

@testable import LocalGateway

/// The JSON reader of tokens' headers and claims: what JSON is, strictly, and the text API Gateway gives each claim.
@Suite("Token JSON")
struct JSONValueTests {
    func parse(_ text: String) throws(JSONValue.Invalid) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    @Test("objects, lists, strings with escapes, numbers, true, false and null read as written")
    func values() throws {
        let value = try parse(#" {"a":[1,-2.5e3,true,false,null],"b":"x\"\\\/\n\u00e9\ud83d\ude00","c":{}} "#)
        #expect(
            value
                == .object([
                    "a": .array([
                        .number(1, text: "1"), .number(-2500, text: "-2.5e3"), .bool(true), .bool(false), .null,
                    ]),
                    "b": .string("x\"\\/\né😀"), "c": .object([:]),
                ]))
    }

    @Test(
        "anything that is not JSON is refused",
        arguments: [
            "", "{", #"{"a":1,}"#, "[1,]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", #"{"a" 1}"#, "{a:1}",
            "'a'", #""unterminated"#, "\"tab\there\"", #""\x""#, #""\ud83d""#, #""\ude00""#, #""\u12""#, "1 2",
            "1e400", "NaN", String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        ])
    func invalid(text: String) {
        #expect(throws: JSONValue.Invalid.self) { try parse(text) }
    }

    @Test("a string that is not UTF-8 is refused")
    func notUTF8() {
        #expect(throws: JSONValue.Invalid.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test("claim text: integers exactly, other numbers as Double prints them, lists as [a b], objects sorted")
    func text() throws {
        let cases: [(String, String)] = [
            (#""alice""#, "alice"), ("1795599060", "1795599060"), ("1.0", "1"), ("1e3", "1000"), ("1.5", "1.5"),
            ("true", "true"), ("null", "null"), (#"["a","b"]"#, "[a b]"), (#"[1,["x"]]"#, "[1 [x]]"),
            (#"{"b":2,"a":"x"}"#, #"{"a":"x","b":"2"}"#), ("-9223372036854775808", "-9223372036854775808"),
        ]
        for (json, text) in cases {
            #expect(try parse(json).text == text, "\(json)")
        }
    }

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
