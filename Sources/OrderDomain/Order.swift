public import FoundationEssentials
public import Timestamps

/// An order as the service stores and returns it.
///
/// Orders are made by ``init(draft:id:at:)`` and change only through ``advance(to:at:)``, so the
/// fields the service owns (`version`, timestamps, `statusHistory`) always agree with each other.
public struct Order: Codable, Equatable, Sendable {
    public let id: OrderID
    public private(set) var status: OrderStatus
    /// The sum of `price × quantity` over ``orderLines``, computed exactly.
    public let amount: Decimal
    public let orderLines: [OrderLine]
    public let shippingAddress: Address
    public let billingAddress: Address
    /// 1 when created, one more for every change. Served as the order's `ETag`.
    public private(set) var version: Int
    public let createdAt: Timestamp
    public private(set) var updatedAt: Timestamp
    /// Every status the order has entered, oldest first; the last entry is the current status.
    public private(set) var statusHistory: [StatusChange]

    enum CodingKeys: String, CodingKey {
        case id, status, amount
        case orderLines = "order_lines"
        case shippingAddress = "shipping_address"
        case billingAddress = "billing_address"
        case version
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case statusHistory = "status_history"
    }

    /// A new order at the start of the flow, version 1.
    public init(draft: OrderDraft, id: OrderID, at time: Timestamp) {
        self.id = id
        status = .initial
        amount = draft.amount
        orderLines = draft.orderLines
        shippingAddress = draft.shippingAddress
        billingAddress = draft.billingAddress
        version = 1
        createdAt = time
        updatedAt = time
        statusHistory = [StatusChange(status: .initial, enteredAt: time)]
    }
}

/// One line of an order: a quantity of one item at a unit price.
public struct OrderLine: Codable, Equatable, Sendable {
    public var sku: String
    /// The unit price, at most two fraction digits.
    public var price: Decimal
    public var quantity: Int

    /// A line as given; ``OrderDraft`` is what checks lines.
    public init(sku: String, price: Decimal, quantity: Int) {
        self.sku = sku
        self.price = price
        self.quantity = quantity
    }
}

/// A postal address. Fields the client leaves out are stored as empty strings.
public struct Address: Codable, Equatable, Sendable {
    public var firstName = ""
    public var lastName = ""
    public var email = ""
    public var company = ""
    public var phone = ""
    public var line1 = ""
    public var line2 = ""
    public var line3 = ""
    public var city = ""
    public var country = ""
    public var zip = ""

    enum CodingKeys: String, CodingKey {
        case firstName = "first_name"
        case lastName = "last_name"
        case email, company, phone, line1, line2, line3, city, country, zip
    }

    /// An address with every field empty.
    public init() {}
}

/// The moment an order entered a status.
public struct StatusChange: Codable, Equatable, Sendable {
    public var status: OrderStatus
    public var enteredAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case status
        case enteredAt = "entered_at"
    }

    /// The order entered `status` at `enteredAt`.
    public init(status: OrderStatus, enteredAt: Timestamp) {
        self.status = status
        self.enteredAt = enteredAt
    }
}

extension Order {
    /// Moves the order to `target` if that is the next status of the flow.
    ///
    /// - Returns: `true` if the order changed; `false` if it already has `target`, which is a no-op.
    /// - Throws: ``OrderError`` `invalid_transition` for any other status; the order is left unchanged.
    @discardableResult
    public mutating func advance(to target: OrderStatus, at time: Timestamp) throws(OrderError) -> Bool {
        if target == status { return false }
        guard target == status.next else { throw .invalidTransition(order: id, from: status, to: target) }
        status = target
        version += 1
        updatedAt = time
        statusHistory.append(StatusChange(status: target, enteredAt: time))
        return true
    }

    /// The order's entity tag: its version in quotes, as sent in `ETag` and compared with `If-Match`.
    public var entityTag: String { "\"\(version)\"" }

    /// The order as it stood right after the change that made `version`.
    ///
    /// Every version after the first is one status change, so the order at version `v` is the current one with
    /// its history cut after `v` entries. Events use this to carry the order as it was after their change, without
    /// storing a copy of the whole order per event.
    public func asOf(version: Int) -> Order {
        guard version >= 1, version < self.version else { return self }
        var past = self
        past.statusHistory = Array(statusHistory.prefix(version))
        past.status = past.statusHistory[version - 1].status
        past.version = version
        past.updatedAt = past.statusHistory[version - 1].enteredAt
        return past
    }
}
