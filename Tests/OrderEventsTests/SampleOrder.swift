import FoundationEssentials
import OrderDomain
import Timestamps

extension Order {
    /// A new order of one line, shipped to and billed at one Madrid address: what the delivery tests create.
    static func sample(_ id: OrderID, at time: Timestamp, by actor: String? = nil) -> Order {
        var address = Address()
        address.line1 = "Calle Mayor 1"
        address.city = "Madrid"
        address.country = "ES"
        let draft = OrderDraft(
            id: id, orderLines: [OrderLine(sku: "A", price: 1, quantity: 1)], shippingAddress: address,
            billingAddress: address)
        return Order(draft: draft, id: id, at: time, by: actor)
    }
}
