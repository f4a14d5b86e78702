import SystemSupport
import Testing

/// The service's JSON reader: what JSON is, strictly, and the text API Gateway gives each claim.
@Suite("JSON reader")
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

    @Test("a key given twice keeps its first value, as Foundation's JSONDecoder reads it")
    func repeatedKey() throws {
        #expect(
            try parse(#"{"a":"first","b":{"c":1,"c":2},"a":"second"}"#)
                == .object(["a": .string("first"), "b": .object(["c": .number(1, text: "1")])]))
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
}

/// Typed fields out of a parsed object, as the stored documents and proxy events are read.
@Suite("JSON object reader")
struct JSONObjectTests {
    func object(_ text: String) throws -> JSONObject {
        try JSONObject(JSONValue.parse(Array(text.utf8)))
    }

    static func quantity(_ line: JSONObject) throws(JSONObject.Mismatch) -> Int {
        try line.int("q")
    }

    @Test("fields read as their types; absent and null optional fields read as nil; others are ignored")
    func fields() throws {
        let json = try object(
            #"{"s":"x","i":2,"f":2.0,"b":true,"n":null,"o":{"k":"v"},"a":[{"q":1}],"l":{"h":["1","2"]},"u":0}"#)
        #expect(try json.string("s") == "x")
        #expect(try json.int("i") == 2)
        #expect(try json.int("f") == 2)
        #expect(try json.optionalBool("b") == true)
        #expect(try json.optionalString("n") == nil)
        #expect(try json.optionalString("absent") == nil)
        #expect(try json.optionalStringMap("o") == ["k": "v"])
        #expect(try json.objects("a", Self.quantity) == [1])
        #expect(try json.optionalStringListMap("l") == ["h": ["1", "2"]])
        #expect(try json.numberText("f") == "2.0")
    }

    @Test(
        "a field that is missing or of the wrong type is an error naming its path",
        arguments: [
            (#"{}"#, "s: is missing"),
            (#"{"s":null}"#, "s: is missing"),
            (#"{"s":1}"#, "s: expected a string, found the number 1"),
            (#"{"o":{"k":[]}}"#, "o.k: expected a string, found an array"),
            (#"{"a":[{"q":"1"}]}"#, "a[0].q: expected an integer, found a string"),
            (#"{"i":1.5}"#, "i: expected an integer, found the number 1.5"),
        ])
    func mismatch(text: String, message: String) throws {
        let json = try object(text)
        let error = #expect(throws: JSONObject.Mismatch.self) {
            if json.members["o"] != nil { _ = try json.optionalStringMap("o") }
            if json.members["a"] != nil { _ = try json.objects("a", Self.quantity) }
            if json.members["i"] != nil { _ = try json.int("i") }
            _ = try json.string("s")
        }
        #expect(error?.description == message)
    }

    @Test("a document that is not an object is refused")
    func notAnObject() {
        #expect(throws: JSONObject.Mismatch.self) { try object("[]") }
    }
}
