import OrderDomain
import Testing
import Timestamps

@Suite("Order ids")
struct OrderIDTests {
    @Test("valid ids", arguments: ["2", "ORD-1001", "a_b-c", "0", String(repeating: "x", count: 64)])
    func valid(text: String) {
        #expect(OrderID(text)?.rawValue == text)
    }

    @Test(
        "ids that could escape a directory or are too long are refused",
        arguments: [
            "", ".", "..", "../x", "a/b", "/etc/passwd", "-a", "_a", "a.json", "a\u{0}b", "a b", "é",
            String(repeating: "x", count: 65), "%2e%2e",
        ])
    func invalid(text: String) {
        #expect(OrderID(text) == nil)
    }

    @Test("generated ids are valid ULIDs that sort by creation time")
    func generated() {
        let earlier = OrderID.generate(at: Timestamp(millisecondsSinceEpoch: 1_795_599_000_000))
        let later = OrderID.generate(at: Timestamp(millisecondsSinceEpoch: 1_795_599_000_001))
        #expect(earlier.rawValue.count == 26)
        #expect(earlier < later)
        #expect(OrderID.generate(at: .now()) != OrderID.generate(at: .now()))
    }
}
