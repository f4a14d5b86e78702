import Foundation
import SystemSupport
import Testing

@Suite("JSONWriter: the envelopes' JSON")
struct JSONWriterTests {
    @Test("objects and arrays nest with commas in the right places; dictionaries come out with sorted keys")
    func shape() {
        var json = JSONWriter()
        json.object { json in
            json.field("statusCode", 201)
            json.field("headers", ["b": "2", "a": "1"])
            json.field("multi", ["k": ["x", "y"], "e": []])
            json.object("context") { json in
                json.field("epoch", 1_700_000_000_000)
                json.object("empty") { _ in }
            }
            json.field("cookies", [String]())
            json.field("ok", true)
            json.field("ms", 1.5)
            json.field("absent", nil as String?)
            json.fieldIfPresent("left out", nil as String?)
            json.fieldIfPresent("count", 3)
        }
        #expect(
            json.text
                == #"{"statusCode":201,"headers":{"a":"1","b":"2"},"multi":{"e":[],"k":["x","y"]},"#
                + #""context":{"epoch":1700000000000,"empty":{}},"cookies":[],"ok":true,"ms":1.5,"absent":null,"count":3}"#
        )
    }

    @Test("top-level arrays and scalars, and numbers JSON cannot hold written as null")
    func scalars() {
        var json = JSONWriter()
        json.array { json in
            json.number(-7)
            json.number(0.1)
            json.number(Double.infinity)
            json.number(Double.nan)
            json.bool(false)
            json.null()
            json.string("")
        }
        #expect(json.text == #"[-7,0.1,null,null,false,null,""]"#)
    }

    @Test(
        "strings escape quotes, backslashes and control characters, and keep slashes and non-ASCII text as they are",
        arguments: [
            ("a\"b\\c", #""a\"b\\c""#),
            ("line\nbreak\r\ttab", #""line\nbreak\r\ttab""#),
            ("\u{0}\u{1}\u{8}\u{C}\u{1F}", #""\u0000\u0001\b\f\u001f""#),
            ("/order/ORD-1", #""/order/ORD-1""#),
            ("García 3º B \u{2028} 🚲", "\"García 3º B \u{2028} 🚲\""),
        ])
    func strings(value: String, written: String) throws {
        var json = JSONWriter()
        json.string(value)
        #expect(json.text == written)
        // And any parser reads back the same string.
        let parsed = try JSONSerialization.jsonObject(with: Data(json.bytes), options: [.fragmentsAllowed])
        #expect(parsed as? String == value)
    }

    @Test("every string of every byte below 0x80, in keys and values, parses back to itself")
    func everyASCIICharacter() throws {
        let text = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        var json = JSONWriter()
        json.object { json in json.field(text, text) }
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: String])
        #expect(parsed == [text: text])
    }

    @Test("a character to escape is escaped at any place in a string of any length, among plain and non-ASCII text")
    func escapesAtEveryPosition() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", "0", " ", "/", "é", "🚲", "\"", "\\", "\n", "\u{1}", "\u{1F}", "\u{7F}"]
        for length in 0..<40 {
            for _ in 0..<20 {
                let value = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                var json = JSONWriter()
                json.string(value)
                let parsed = try JSONSerialization.jsonObject(with: Data(json.bytes), options: [.fragmentsAllowed])
                #expect(parsed as? String == value, "\(json.text)")
                // No control character is left raw between the quotes.
                let inner = json.bytes.dropFirst().dropLast()
                #expect(!inner.contains { $0 < 0x20 })
            }
        }
    }
}
