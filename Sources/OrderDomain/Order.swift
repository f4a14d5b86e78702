public import FoundationEssentials
public import SystemSupport
public import Timestamps

/// An order as the service stores and returns it.
///
/// Orders are made by ``init(draft:id:at:by:)`` and change only through ``advance(to:shipment:at:by:)`` and
/// ``cancel(_:note:at:by:)``, so the fields the service owns (`version`, timestamps, `statusHistory`, `shipment`,
/// `cancellation`) always agree with each other.
public struct Order: Equatable, Sendable {
    public let id: OrderID
    public private(set) var status: OrderStatus
    /// The sum of `price × quantity` over ``orderLines``, computed exactly.
    public let amount: Decimal
    /// The currency of ``amount`` and of every price.
    public let currency: Currency
    public let orderLines: [OrderLine]
    public let shippingAddress: Address
    public let billingAddress: Address
    /// Whose order it is, when the shop said.
    public let customer: Customer?
    /// The shop's own keys, stored and returned as given.
    public let metadata: [String: String]?
    /// The carrier and tracking of the order, once a change to `shipped` or `in_transit` gave them.
    public private(set) var shipment: Shipment?
    /// Why and when the order was cancelled; only on cancelled orders.
    public private(set) var cancellation: Cancellation?
    /// 1 when created, one more for every change. Served as the order's `ETag`.
    public private(set) var version: Int
    public let createdAt: Timestamp
    public private(set) var updatedAt: Timestamp
    /// Every status the order has entered, oldest first; the last entry is the current status.
    public private(set) var statusHistory: [StatusChange]

    /// A new order at the start of the flow, version 1, created by `actor` (``StatusChange/actor``).
    public init(draft: OrderDraft, id: OrderID, at time: Timestamp, by actor: String? = nil) {
        self.id = id
        status = .initial
        amount = draft.amount
        currency = draft.currency
        orderLines = draft.orderLines
        shippingAddress = draft.shippingAddress
        billingAddress = draft.billingAddress
        customer = draft.customer
        metadata = draft.metadata
        version = 1
        createdAt = time
        updatedAt = time
        statusHistory = [StatusChange(status: .initial, enteredAt: time, actor: actor)]
    }

    /// Reads a stored order. One stored before orders had a currency is in `defaultCurrency`.
    ///
    /// - Throws: ``JSONObject/Mismatch`` naming the first field that is missing, of the wrong type or not a valid
    ///   value (an id, a status, a timestamp).
    public init(stored json: JSONObject, defaultCurrency: Currency) throws(JSONObject.Mismatch) {
        id = try json.orderID("id")
        status = try json.status("status")
        amount = try json.decimal("amount")
        currency = try json.optionalString("currency").map(Currency.init(stored:)) ?? defaultCurrency
        orderLines = try json.objects("order_lines", OrderLine.init(stored:))
        shippingAddress = try Address(stored: json.object("shipping_address"))
        billingAddress = try Address(stored: json.object("billing_address"))
        customer = try json.optionalObject("customer").map { object throws(JSONObject.Mismatch) in
            try Customer(stored: object)
        }
        metadata = try json.optionalStringMap("metadata")
        shipment = try json.optionalObject("shipment").map { object throws(JSONObject.Mismatch) in
            try Shipment(stored: object)
        }
        cancellation = try json.optionalObject("cancellation").map { object throws(JSONObject.Mismatch) in
            try Cancellation(stored: object)
        }
        version = try json.int("version")
        createdAt = try json.timestamp("created_at")
        updatedAt = try json.timestamp("updated_at")
        statusHistory = try json.objects("status_history", StatusChange.init(stored:))
    }
}

/// One line of an order: a quantity of one item at a unit price.
public struct OrderLine: Equatable, Sendable {
    public var sku: String
    /// The unit price, with at most as many fraction digits as the order's currency has minor units.
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
public struct Address: Equatable, Sendable {
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

    /// An address with every field empty.
    public init() {}
}

/// The moment an order entered a status, and who moved it there.
public struct StatusChange: Equatable, Sendable {
    public var status: OrderStatus
    public var enteredAt: Timestamp
    /// The order's shipment as this change left it, on the changes that set or updated it.
    public var shipment: Shipment?
    /// Who made the change: the verified token's `sub`, or its `client_id` for a machine client; `nil` when no
    /// authorizer ran (and in documents written before changes were attributed).
    public var actor: String?

    /// The order entered `status` at `enteredAt`.
    public init(status: OrderStatus, enteredAt: Timestamp, shipment: Shipment? = nil, actor: String? = nil) {
        self.status = status
        self.enteredAt = enteredAt
        self.shipment = shipment
        self.actor = actor
    }
}

extension Order {
    /// Moves the order to `target` if that is the next status of the flow, recording `actor` as who did it;
    /// `cancelled` cancels it for reason `other` (see ``cancel(_:note:at:by:)``).
    ///
    /// A move to `shipped` may carry a `shipment`, and one to `in_transit` may update its fields.
    /// - Returns: `true` if the order changed; `false` if it already has `target` (and the shipment sent, if any,
    ///   changes nothing), which is a no-op.
    /// - Throws: ``OrderError`` `invalid_transition` for any other status, or a shipment sent again with other
    ///   fields; the order is left unchanged.
    @discardableResult
    public mutating func advance(
        to target: OrderStatus, shipment update: Shipment? = nil, at time: Timestamp, by actor: String? = nil
    ) throws(OrderError) -> Bool {
        if target == .cancelled, status != .cancelled { return try cancel(.other, note: nil, at: time, by: actor) }
        let updatedShipment = update.map { shipment?.updated(by: $0) ?? $0 }
        if target == status {
            guard updatedShipment == nil || updatedShipment == shipment else {
                throw .shipmentNotChangeable(order: id, status: status)
            }
            return false
        }
        guard target == status.next else { throw .invalidTransition(order: id, from: status, to: target) }
        status = target
        version += 1
        updatedAt = time
        if let updatedShipment { shipment = updatedShipment }
        statusHistory.append(StatusChange(status: target, enteredAt: time, shipment: updatedShipment, actor: actor))
        return true
    }

    /// Cancels the order, if it has not shipped, recording `actor` as who did it.
    ///
    /// - Returns: `true` if the order changed; `false` if it was cancelled already (whatever the reason then),
    ///   which is a no-op.
    /// - Throws: ``OrderError`` `invalid_transition` once the order has shipped; the order is left unchanged.
    @discardableResult
    public mutating func cancel(
        _ reason: Cancellation.Reason, note: String?, at time: Timestamp, by actor: String? = nil
    ) throws(OrderError) -> Bool {
        if status == .cancelled { return false }
        guard !status.hasShipped else { throw .invalidTransition(order: id, from: status, to: .cancelled) }
        status = .cancelled
        version += 1
        updatedAt = time
        cancellation = Cancellation(reason: reason, note: note, cancelledAt: time)
        statusHistory.append(StatusChange(status: .cancelled, enteredAt: time, actor: actor))
        return true
    }

    /// The order's entity tag: its version in quotes, as sent in `ETag` and compared with `If-Match`.
    public var entityTag: String { "\"\(version)\"" }

    /// The order as it stood right after the change that made `version`.
    ///
    /// Every version after the first is one status change, so the order at version `v` is the current one with
    /// its history cut after `v` entries, its shipment the last one that history gave, and no cancellation unless
    /// `v` is the cancellation (always the last change). Events use this to carry the order as it was after their
    /// change, without storing a copy of the whole order per event.
    public func asOf(version: Int) -> Order {
        guard version >= 1, version < self.version else { return self }
        var past = self
        past.statusHistory = Array(statusHistory.prefix(version))
        past.status = past.statusHistory[version - 1].status
        past.version = version
        past.updatedAt = past.statusHistory[version - 1].enteredAt
        past.shipment = past.statusHistory.last { $0.shipment != nil }?.shipment
        past.cancellation = nil
        return past
    }
}
