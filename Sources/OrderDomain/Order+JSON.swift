import FoundationEssentials
public import SystemSupport
import Timestamps

// An order's JSON form, the same stored and answered: read with `JSONObject`, written with `JSONWriter`, one way
// each. Fields are written in the order of their names, so the text is the one `JSONEncoder` wrote with sorted keys
// before, byte for byte, and a rewrite without a change is visible as none. Optional fields left out when absent
// stay left out; `actor` and the delivery's times are written as `null`, which says "none".

extension Order: JSONWritable {
    /// Writes the order as it is stored and answered.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.key("amount")
            json.number(text: amount.description)
            json.object("billing_address") { billingAddress.writeFields(into: &$0) }
            json.fieldIfPresent("cancellation", cancellation)
            json.field("created_at", createdAt.description)
            json.field("currency", currency.code)
            json.fieldIfPresent("customer", customer)
            json.field("id", id.rawValue)
            if let metadata { json.field("metadata", metadata) }
            json.field("order_lines", orderLines)
            json.fieldIfPresent("shipment", shipment)
            json.object("shipping_address") { shippingAddress.writeFields(into: &$0) }
            json.field("status", status.rawValue)
            json.field("status_history", statusHistory)
            json.field("updated_at", updatedAt.description)
            json.field("version", version)
        }
    }
}

extension OrderLine: JSONWritable {
    /// Reads a stored line.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        try self.init(sku: json.string("sku"), price: json.decimal("price"), quantity: json.int("quantity"))
    }

    /// Writes the line.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.key("price")
            json.number(text: price.description)
            json.field("quantity", quantity)
            json.field("sku", sku)
        }
    }
}

extension Address {
    /// Reads a stored address: every field is there, `""` when the client left it out.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        self.init()
        city = try json.string("city")
        company = try json.string("company")
        country = try json.string("country")
        email = try json.string("email")
        firstName = try json.string("first_name")
        lastName = try json.string("last_name")
        line1 = try json.string("line1")
        line2 = try json.string("line2")
        line3 = try json.string("line3")
        phone = try json.string("phone")
        zip = try json.string("zip")
    }

    /// Writes the address's fields into the current object, in the order of their names.
    func writeFields(into json: inout JSONWriter) {
        json.field("city", city)
        json.field("company", company)
        json.field("country", country)
        json.field("email", email)
        json.field("first_name", firstName)
        json.field("last_name", lastName)
        json.field("line1", line1)
        json.field("line2", line2)
        json.field("line3", line3)
        json.field("phone", phone)
        json.field("zip", zip)
    }
}

extension StatusChange: JSONWritable {
    /// Reads a stored entry; one stored before changes were attributed has no `actor` and reads as unattributed.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        try self.init(
            status: json.status("status"), enteredAt: json.timestamp("entered_at"),
            shipment: json.optionalObject("shipment").map { object throws(JSONObject.Mismatch) in
                try Shipment(stored: object)
            },
            actor: json.optionalString("actor"))
    }

    /// Writes the entry, `actor` as `null` when no authorizer ran: a missing key would say nothing.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("actor", actor)
            json.field("entered_at", enteredAt.description)
            json.fieldIfPresent("shipment", shipment)
            json.field("status", status.rawValue)
        }
    }
}

extension Shipment: JSONWritable {
    /// Reads a stored shipment; each field may be absent.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        try self.init(
            carrier: json.optionalString("carrier"), trackingNumber: json.optionalString("tracking_number"),
            trackingURL: json.optionalString("tracking_url"))
    }

    /// Writes the fields the shipment has.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.fieldIfPresent("carrier", carrier)
            json.fieldIfPresent("tracking_number", trackingNumber)
            json.fieldIfPresent("tracking_url", trackingURL)
        }
    }
}

extension Cancellation: JSONWritable {
    /// Reads a stored cancellation.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        let reason: Reason = try json.member("reason", as: "a cancellation reason")
        try self.init(reason: reason, note: json.optionalString("note"), cancelledAt: json.timestamp("cancelled_at"))
    }

    /// Writes the cancellation, `note` left out when there is none.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("cancelled_at", cancelledAt.description)
            json.fieldIfPresent("note", note)
            json.field("reason", reason.rawValue)
        }
    }
}

extension Customer: JSONWritable {
    /// Reads a stored customer.
    public init(stored json: JSONObject) throws(JSONObject.Mismatch) {
        try self.init(id: json.string("id"), email: json.optionalString("email"))
    }

    /// Writes the customer, `email` left out when there is none.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.fieldIfPresent("email", email)
            json.field("id", id)
        }
    }
}

extension JSONObject {
    /// An order id member.
    func orderID(_ key: String) throws(Mismatch) -> OrderID {
        let text = try string(key)
        guard let id = OrderID(text) else { throw mismatch(key, "'\(text)' is not an order id") }
        return id
    }

    /// A member naming one of `Value`'s cases, which the error calls `what` ("a status") when it names none.
    func member<Value: RawRepresentable<String>>(_ key: String, as what: String) throws(Mismatch) -> Value {
        try member(key, named: string(key), as: what)
    }

    /// A member naming one of `Value`'s cases, `nil` when absent or `null`.
    func optionalMember<Value: RawRepresentable<String>>(_ key: String, as what: String) throws(Mismatch) -> Value? {
        guard let name = try optionalString(key) else { return nil }
        return try member(key, named: name, as: what)
    }

    private func member<Value: RawRepresentable<String>>(
        _ key: String, named name: String, as what: String
    ) throws(Mismatch) -> Value {
        guard let value = Value(rawValue: name) else { throw mismatch(key, "'\(name)' is not \(what)") }
        return value
    }

    /// A status member.
    func status(_ key: String) throws(Mismatch) -> OrderStatus {
        try member(key, as: "a status")
    }

    /// A status member, `nil` when absent or `null`.
    func optionalStatus(_ key: String) throws(Mismatch) -> OrderStatus? {
        try optionalMember(key, as: "a status")
    }

    /// An exact decimal member: every digit as written.
    func decimal(_ key: String) throws(Mismatch) -> Decimal {
        let text = try numberText(key)
        guard let value = Decimal(string: text) else { throw mismatch(key, "\(text) does not fit a decimal") }
        return value
    }

    /// An RFC 3339 timestamp member.
    func timestamp(_ key: String) throws(Mismatch) -> Timestamp {
        try timestamp(key, text: string(key))
    }

    /// An RFC 3339 timestamp member, `nil` when absent or `null`.
    func optionalTimestamp(_ key: String) throws(Mismatch) -> Timestamp? {
        guard let text = try optionalString(key) else { return nil }
        return try timestamp(key, text: text)
    }

    private func timestamp(_ key: String, text: String) throws(Mismatch) -> Timestamp {
        guard let time = Timestamp(rfc3339: text) else {
            throw mismatch(key, "'\(text)' is not an RFC 3339 date-time")
        }
        return time
    }
}
