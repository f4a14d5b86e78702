import OrderDomain
import Testing

@Suite("Order status flow")
struct OrderStatusTests {
    @Test("the flow is one line from pending_confirmation to delivered")
    func flowOrder() {
        var walked: [OrderStatus] = [.initial]
        while let next = walked.last!.next { walked.append(next) }
        #expect(
            walked.map(\.rawValue) == [
                "pending_confirmation", "confirmed", "sent_to_warehouse", "shipped", "in_transit", "delivered",
            ])
    }

    @Test("delivered is the end of the flow")
    func deliveredIsFinal() {
        #expect(OrderStatus.delivered.next == nil)
    }
}
