import FoundationEssentials
import OrderDomain
import Testing

@Suite("Reading a create request")
struct OrderDraftTests {
    static let address = #"{"line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"}"#

    func draft(lines: String, extra: String = "") throws(OrderError) -> OrderDraft {
        let body =
            #"{"order_lines": \#(lines), "shipping_address": \#(Self.address), "billing_address": \#(Self.address)\#(extra)}"#
        return try OrderDraft(json: JSONValue.parse(Array(body.utf8)))
    }

    @Test("the amount is exact: 0.10 + 0.20 is 0.30")
    func exactAmount() throws {
        let order = try draft(
            lines: #"[{"sku": "A", "price": 0.10, "quantity": 1}, {"sku": "B", "price": 0.20, "quantity": 1}]"#)
        #expect(order.amount == Decimal(string: "0.3"))
        #expect(order.amount.description == "0.3")
    }

    @Test("an amount equal to the lines' total is accepted, in any notation")
    func matchingAmount() throws {
        _ = try draft(lines: #"[{"sku": "A", "price": 5, "quantity": 16}]"#, extra: #", "amount": 80.00"#)
        _ = try draft(lines: #"[{"sku": "A", "price": 5, "quantity": 16}]"#, extra: #", "amount": 8e1"#)
    }

    @Test("a wrong amount alone is amount_mismatch, naming both numbers")
    func amountMismatch() {
        #expect(throws: OrderError.amountMismatch(sent: 10, computed: 80)) {
            try draft(lines: #"[{"sku": "A", "price": 5, "quantity": 16}]"#, extra: #", "amount": 10"#)
        }
    }

    @Test("missing addresses fields are stored empty; line1, city and country are required")
    func addresses() throws {
        let order = try draft(lines: #"[{"sku": "A", "price": 1, "quantity": 1}]"#)
        #expect(order.shippingAddress.city == "Madrid")
        #expect(order.shippingAddress.firstName == "")
        let body =
            #"{"order_lines": [{"sku": "A", "price": 1, "quantity": 1}], "shipping_address": {"city": " "}, "billing_address": {}}"#
        let error = #expect(throws: OrderError.self) { try OrderDraft(json: JSONValue.parse(Array(body.utf8))) }
        #expect(
            error?.details.map(\.field) == [
                "shipping_address.line1", "shipping_address.city", "shipping_address.country",
                "billing_address.line1", "billing_address.city", "billing_address.country",
            ])
    }

    @Test("unknown fields are ignored")
    func unknownFields() throws {
        let order = try draft(
            lines: #"[{"sku": "A", "price": 1, "quantity": 1, "colour": "red"}]"#, extra: #", "coupon": "X""#)
        #expect(order.orderLines.count == 1)
    }

    @Test("1000 lines are accepted, 1001 are not")
    func lineLimit() throws {
        let line = #"{"sku": "A", "price": 1, "quantity": 1}"#
        _ = try draft(lines: "[" + Array(repeating: line, count: 1000).joined(separator: ",") + "]")
        let error = #expect(throws: OrderError.self) {
            try draft(lines: "[" + Array(repeating: line, count: 1001).joined(separator: ",") + "]")
        }
        #expect(error?.details == [FieldIssue(field: "order_lines", message: "must have 1 to 1000 lines, not 1001")])
    }

    @Test("text limits count code points: combining marks cannot stretch a sku or an address field")
    func textLimitsCountCodePoints() throws {
        let accented = String(repeating: "e\u{301}", count: 32)  // 32 characters, 64 code points
        _ = try draft(lines: #"[{"sku": "\#(accented)", "price": 1, "quantity": 1}]"#)

        let stretched = "x" + String(repeating: "\u{301}", count: 1000)  // 1 character, 1001 code points
        let body =
            #"{"order_lines": [{"sku": "\#(stretched)", "price": 1, "quantity": 1}], "shipping_address": {"line1": "a", "city": "\#(stretched)", "country": "c"}, "billing_address": \#(Self.address)}"#
        let error = #expect(throws: OrderError.self) { try OrderDraft(json: JSONValue.parse(Array(body.utf8))) }
        #expect(error?.details.map(\.field) == ["order_lines[0].sku", "shipping_address.city"])
    }

    @Test("numbers beyond what a decimal holds are reported, not mangled")
    func hugeNumbers() {
        let error = #expect(throws: OrderError.self) {
            try draft(lines: #"[{"sku": "A", "price": 1e300, "quantity": 1e300}]"#, extra: #", "id": 1e300"#)
        }
        #expect(error?.details.map(\.field) == ["id", "order_lines[0].price", "order_lines[0].quantity"])
    }

    @Test("an amount of 1e400 is amount_mismatch naming the lines' total; a price of 1e400 or 1e-400 is named")
    func numbersBeyondDouble() {
        let line = #"[{"sku": "A", "price": 5, "quantity": 16}]"#
        let mismatch = #expect(throws: OrderError.self) { try draft(lines: line, extra: #", "amount": 1e400"#) }
        #expect(mismatch?.code == .amountMismatch)
        #expect(mismatch?.message.contains("add up to 80") == true, "\(mismatch?.message ?? "")")

        let error = #expect(throws: OrderError.self) {
            try draft(
                lines: #"[{"sku": "A", "price": 1e400, "quantity": 1}, {"sku": "B", "price": 1e-400, "quantity": 1}]"#)
        }
        #expect(error?.details.map(\.field) == ["order_lines[0].price", "order_lines[1].price"])
        #expect(error?.details.allSatisfy { $0.message.contains("from 0 to 99999999.99") } == true)
    }

    @Test("numbers too close to zero for a decimal are named as such, as price and as amount")
    func tinyNumbers() {
        let price = #expect(throws: OrderError.self) {
            try draft(lines: #"[{"sku": "A", "price": 1e-300, "quantity": 1}]"#)
        }
        #expect(price?.details.map(\.field) == ["order_lines[0].price"])
        #expect(price?.details.first?.message.contains("at most 99999999.99") == false)

        let amount = #expect(throws: OrderError.self) {
            try draft(lines: #"[{"sku": "A", "price": 5, "quantity": 16}]"#, extra: #", "amount": 1e-300"#)
        }
        #expect(amount?.code == .amountMismatch)
        #expect(amount?.message.contains("not a number") == false)
    }
}
