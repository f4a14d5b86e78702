import FoundationEssentials
public import OrderDomain
public import Timestamps

/// The orders tests make when the order's content is not what they test: one line, shipped to and billed at one
/// address in Madrid unless told otherwise. A test that checks a figure passes the line it checks.
public enum SampleOrders {
    /// The moment sample orders are created at unless a test says otherwise: 2026-11-25T09:30:00Z.
    public static let time = Timestamp(millisecondsSinceEpoch: 1_795_599_000_000)

    /// The line of a sample order unless a test gives its own: one of SKU `A` at 1.
    public static let oneLine = OrderLine(sku: "A", price: 1, quantity: 1)

    /// `Calle Mayor 1` in `city`, `country`.
    public static func address(city: String = "Madrid", country: String = "ES") -> Address {
        var address = Address()
        address.line1 = "Calle Mayor 1"
        address.city = city
        address.country = country
        return address
    }

    /// A draft of `line` alone, shipped to and billed at ``address(city:country:)``.
    public static func draft(
        id: OrderID? = nil, currency: Currency = .euro, line: OrderLine = oneLine,
        city: String = "Madrid", country: String = "ES"
    ) -> OrderDraft {
        let address = address(city: city, country: country)
        return OrderDraft(
            id: id, currency: currency, orderLines: [line], shippingAddress: address, billingAddress: address)
    }

    /// A new order `id` of ``draft(id:currency:line:city:country:)``, created at `time` by `actor`.
    public static func order(
        _ id: OrderID, at time: Timestamp = time, by actor: String? = nil, currency: Currency = .euro,
        line: OrderLine = oneLine, city: String = "Madrid", country: String = "ES"
    ) -> Order {
        Order(
            draft: draft(id: id, currency: currency, line: line, city: city, country: country), id: id, at: time,
            by: actor)
    }
}
