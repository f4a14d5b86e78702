import Foundation
import OrderDomain
import Testing

@Suite("Reading JSON bodies")
struct JSONValueTests {
    @Test("numbers no Double holds are valid JSON, read as out of range", arguments: ["1e400", "-1e400", "1e-400"])
    func outOfRange(text: String) throws {
        #expect(try JSONValue.parse(Array("[\(text)]".utf8)) == .array([.outOfRangeNumber]))
    }

    @Test(
        "bodies that are not UTF-8, or hold a NUL byte, are malformed_json saying so",
        arguments: [
            ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], "UTF-8"),
            // {"a":1} in UTF-16, with its byte order mark and without: the parser would read it as UTF-16.
            ([0xFF, 0xFE] + Array(#"{"a":1}"#.utf8).flatMap { [$0, 0] }, "UTF-8"),
            (Array(#"{"a":1}"#.utf8).flatMap { [$0, 0] }, "NUL"),
            (Array(#"{"a":"x"#.utf8) + [0] + Array(#""}"#.utf8), "NUL"),
        ] as [([UInt8], String)])
    func notUTF8(bytes: [UInt8], reason: String) {
        let error = #expect(throws: OrderError.self) { try JSONValue.parse(bytes) }
        #expect(error?.code == .malformedJSON)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    /// What `JSONDecoder` makes of `bytes`, or nil when it refuses them.
    static func decodedByFoundation(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    @Test(
        "every body reads as JSONDecoder reads it: numbers exactly, out of range as such, a repeated key's first value",
        arguments: [
            #"{"price":0.1,"quantity":3,"big":123456789012345678901234567890,"tiny":1.5e-10,"e":1E+2,"z":-0}"#,
            #"[1e300,1e-300,3.4e165,1e127,1e128,1e-128,1e-130,1e-400,99999999999999999999999999999999999999999]"#,
            #"[12.3456789012345678901234567890123456789,-1.5E-3,109.80,0.00000000000000000000000000000000000001]"#,
            #"{"id":"first","lines":[{"sku":"A"}],"id":"second"}"#,
            #"{"text":"\u00e9\ud83d\ude00\n\"\\\/","empty":"","nested":[[[{}]]],"flags":[true,false,null]}"#,
            " \t\r\n{ \"a\" : [ ] }\n",
            String(repeating: "[", count: 127) + String(repeating: "]", count: 127),
            String(repeating: "[", count: 300) + String(repeating: "]", count: 300),
        ])
    func agreesWithFoundation(body: String) throws {
        let bytes = Array(body.utf8)
        let expected = try #require(Self.decodedByFoundation(bytes))
        #expect(try JSONValue.parse(bytes) == expected)
    }

    @Test("the orders of the fixtures read as JSONDecoder reads them")
    func fixtureBodiesAgreeWithFoundation() throws {
        let bodies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/bodies")
        let names = try FileManager.default.contentsOfDirectory(atPath: bodies.path).filter { $0.hasSuffix(".json") }
        #expect(!names.isEmpty)
        for name in names {
            let bytes = Array(try Data(contentsOf: bodies.appendingPathComponent(name)))
            #expect(try JSONValue.parse(bytes) == Self.decodedByFoundation(bytes), "\(name)")
        }
    }

    @Test(
        "what is not JSON is malformed_json",
        arguments: ["{a:1}", "'a'", #""\ud83d""#, "1 2", "", "   ", "NaN", #"{"a":"x"#, "[1,2"])
    func notJSON(body: String) {
        let error = #expect(throws: OrderError.self) { try JSONValue.parse(Array(body.utf8)) }
        #expect(error?.code == .malformedJSON)
    }
}
