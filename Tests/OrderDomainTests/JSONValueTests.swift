import FoundationEssentials
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
}
