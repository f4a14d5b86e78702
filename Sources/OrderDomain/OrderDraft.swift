public import FoundationEssentials

/// A validated request to create an order: everything the client decides, nothing the service owns.
public struct OrderDraft: Equatable, Sendable {
    /// The id the client chose, or `nil` to have the service assign one.
    public var id: OrderID?
    public var currency: Currency
    public var orderLines: [OrderLine]
    public var shippingAddress: Address
    public var billingAddress: Address
    public var customer: Customer?
    public var metadata: [String: String]?

    /// The exact total of the lines.
    public var amount: Decimal {
        orderLines.reduce(Decimal(0)) { $0 + $1.price * Decimal($1.quantity) }
    }

    /// A draft as given, unchecked: ``init(json:defaultCurrency:)`` is the one that validates a request.
    public init(
        id: OrderID?, currency: Currency = .euro, orderLines: [OrderLine], shippingAddress: Address,
        billingAddress: Address, customer: Customer? = nil, metadata: [String: String]? = nil
    ) {
        self.id = id
        self.currency = currency
        self.orderLines = orderLines
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.customer = customer
        self.metadata = metadata
    }
}

/// Limits of an order, enforced on creation.
public enum OrderLimits {
    public static let orderLines = 1...1000
    public static let skuLength = 1...64
    public static let quantity = 1...1_000_000
    public static let maximumPrice = Decimal(string: "99999999.99")!
    public static let addressFieldLength = 256

    /// The length of a text field as the limits count it: in Unicode code points, as JSON Schema's `maxLength` does.
    /// Counting characters (grapheme clusters) instead would let one character carry any number of combining marks.
    public static func length(of text: String) -> Int {
        text.unicodeScalars.count
    }
}

extension OrderDraft {
    /// Reads a create request body, checking every field and reporting every problem at once.
    ///
    /// Unknown fields are ignored. `id` may be a string or a whole number (`2` and `"2"` name the same
    /// order). `status`, if present, must be `pending_confirmation`. `amount`, if present, must equal
    /// the sum of the lines. `currency`, left out, is `defaultCurrency`; prices have at most as many decimals as
    /// the currency has minor units.
    ///
    /// - Throws: ``OrderError`` `validation_failed` (or `amount_mismatch` when that is the only problem).
    public init(json: JSONValue, defaultCurrency: Currency = .euro) throws(OrderError) {
        var issues = FieldIssues()
        guard case .object(let body) = json else {
            throw .invalidFields([FieldIssue(field: "body", message: "must be a JSON object, not \(json.typeName)")])
        }

        let id = OrderID.read(body["id"], field: "id", into: &issues)

        if let status = body["status"], status != .null, status != .string(OrderStatus.initial.rawValue) {
            issues.add(
                "status",
                "a new order always starts at \(OrderStatus.initial.rawValue); leave status out or send that")
        }

        let currency = Currency.read(body["currency"], default: defaultCurrency, into: &issues)

        let issuesBeforeLines = issues.all.count
        var lines: [OrderLine] = []
        switch body["order_lines"] {
        case nil, .null?:
            issues.add("order_lines", "is required: a list of 1 to \(OrderLimits.orderLines.upperBound) lines")
        case .array(let items)?:
            if !OrderLimits.orderLines.contains(items.count) {
                issues.add(
                    "order_lines",
                    "must have 1 to \(OrderLimits.orderLines.upperBound) lines, not \(items.count)")
            }
            for (index, item) in items.prefix(OrderLimits.orderLines.upperBound).enumerated() {
                if let line = OrderLine.read(
                    item, field: "order_lines[\(index)]", currency: currency ?? defaultCurrency, into: &issues)
                {
                    lines.append(line)
                }
            }
        case let other?:
            issues.add("order_lines", "must be a list of order lines, not \(other.typeName)")
        }
        let linesAreValid = issues.all.count == issuesBeforeLines

        let shipping = Address.read(body["shipping_address"], field: "shipping_address", into: &issues)
        let billing = Address.read(body["billing_address"], field: "billing_address", into: &issues)
        let customer = Customer.read(body["customer"], field: "customer", into: &issues)
        let metadata = Metadata.read(body["metadata"], field: "metadata", into: &issues)

        let draft = OrderDraft(
            id: id, currency: currency ?? defaultCurrency, orderLines: lines, shippingAddress: shipping ?? Address(),
            billingAddress: billing ?? Address(), customer: customer, metadata: metadata)

        var amountMismatch: OrderError?
        switch body["amount"] {
        case nil, .null?:
            break
        case .number(let sent)? where linesAreValid:
            if sent != draft.amount {
                let mismatch = OrderError.amountMismatch(sent: sent, computed: draft.amount)
                issues.all += mismatch.details
                amountMismatch = mismatch
            }
        case .outOfRangeNumber? where linesAreValid:
            let mismatch = OrderError.amountOutOfRange(computed: draft.amount)
            issues.all += mismatch.details
            amountMismatch = mismatch
        case .number?, .outOfRangeNumber?:
            break  // The total of invalid lines means nothing; their own issues say what to fix.
        case let other?:
            issues.add("amount", "must be a number, not \(other.typeName)")
        }

        if let amountMismatch, issues.all == amountMismatch.details { throw amountMismatch }
        guard issues.isEmpty else { throw .invalidFields(issues.all) }
        self = draft
    }
}

/// Collects the problems found while reading a request.
struct FieldIssues {
    var all: [FieldIssue] = []
    var isEmpty: Bool { all.isEmpty }

    mutating func add(_ field: String, _ message: String) {
        all.append(FieldIssue(field: field, message: message))
    }
}

extension OrderID {
    /// Reads an id given as a string or as a whole number; `nil` when absent or invalid.
    static func read(_ value: JSONValue?, field: String, into issues: inout FieldIssues) -> OrderID? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let text)?:
            guard let id = OrderID(text) else {
                issues.add(field, "must be \(OrderID.rule)")
                return nil
            }
            return id
        case .number(let number)?:
            guard let integer = Int64(exactly: number), integer >= 0 else {
                issues.add(
                    field, "a numeric id must be a whole number from 0 to \(Int64.max); send other ids as strings")
                return nil
            }
            return OrderID(String(integer))
        case .outOfRangeNumber?:
            issues.add(field, "a numeric id must be a whole number from 0 to \(Int64.max); send other ids as strings")
            return nil
        case let other?:
            issues.add(field, "must be a string or a whole number, not \(other.typeName)")
            return nil
        }
    }
}

extension OrderLine {
    static func read(_ value: JSONValue, field: String, currency: Currency, into issues: inout FieldIssues)
        -> OrderLine?
    {
        guard case .object(let fields) = value else {
            issues.add(field, "must be an object with sku, price and quantity, not \(value.typeName)")
            return nil
        }
        let before = issues.all.count

        var sku = ""
        switch fields["sku"] {
        case .string(let text)? where OrderLimits.skuLength.contains(OrderLimits.length(of: text)):
            if issues.checkFreeText(text, field: "\(field).sku") { sku = text }
        case .string?:
            issues.add("\(field).sku", "must be 1 to \(OrderLimits.skuLength.upperBound) characters")
        case nil, .null?:
            issues.add("\(field).sku", "is required")
        case let other?:
            issues.add("\(field).sku", "must be a string, not \(other.typeName)")
        }

        var price = Decimal(0)
        switch fields["price"] {
        case .number(let number)?:
            if number < 0 {
                issues.add("\(field).price", "must not be negative")
            } else if number > OrderLimits.maximumPrice {
                issues.add("\(field).price", "must be at most \(OrderLimits.maximumPrice)")
            } else if number.fractionDigitCount > currency.minorUnits {
                issues.add(
                    "\(field).price",
                    "must have at most \(currency.minorUnits) decimal places in \(currency) (\(number) has "
                        + "\(number.fractionDigitCount))")
            } else {
                price = number
            }
        case .outOfRangeNumber?:
            issues.add(
                "\(field).price",
                "must be a number from 0 to \(OrderLimits.maximumPrice) with at most \(currency.minorUnits) decimal places, "
                    + "not one this large "
                    + "or this small")
        case nil, .null?:
            issues.add("\(field).price", "is required")
        case let other?:
            issues.add("\(field).price", "must be a number, not \(other.typeName)")
        }

        var quantity = 0
        let quantityRule = "must be a whole number from 1 to \(OrderLimits.quantity.upperBound)"
        switch fields["quantity"] {
        case .number(let number)?:
            if let whole = Int(exactly: number), OrderLimits.quantity.contains(whole) {
                quantity = whole
            } else {
                issues.add("\(field).quantity", "\(quantityRule), not \(number)")
            }
        case .outOfRangeNumber?:
            issues.add("\(field).quantity", quantityRule)
        case nil, .null?:
            issues.add("\(field).quantity", "is required")
        case let other?:
            issues.add("\(field).quantity", "must be a number, not \(other.typeName)")
        }

        return issues.all.count == before ? OrderLine(sku: sku, price: price, quantity: quantity) : nil
    }
}

extension Currency {
    /// Reads `currency`: an ISO 4217 alphabetic code; `defaultCurrency` when absent, `nil` when invalid.
    static func read(_ value: JSONValue?, default defaultCurrency: Currency, into issues: inout FieldIssues)
        -> Currency?
    {
        switch value {
        case nil, .null?:
            return defaultCurrency
        case .string(let code)?:
            if let currency = Currency(code: code) { return currency }
            let upper = code.uppercased()
            let hint = upper != code && Currency(code: upper) != nil ? "; write it in capitals, \(upper)" : ""
            issues.add("currency", "must be an ISO 4217 alphabetic code such as EUR, USD or JPY, not '\(code)'\(hint)")
        case let other?:
            issues.add("currency", "must be a string, an ISO 4217 alphabetic code such as EUR, not \(other.typeName)")
        }
        return nil
    }
}

extension Address {
    /// Every field by its wire name, in wire order.
    static let fields: [(name: String, keyPath: any WritableKeyPath<Address, String> & Sendable)] = [
        ("first_name", \.firstName), ("last_name", \.lastName), ("email", \.email), ("company", \.company),
        ("phone", \.phone), ("line1", \.line1), ("line2", \.line2), ("line3", \.line3), ("city", \.city),
        ("country", \.country), ("zip", \.zip),
    ]

    /// Fields that must not be empty.
    static let requiredFields: Set<String> = ["line1", "city", "country"]

    static func read(_ value: JSONValue?, field: String, into issues: inout FieldIssues) -> Address? {
        guard case .object(let fields)? = value else {
            let found = value.map { ", not \($0.typeName)" } ?? ""
            issues.add(field, "is required: an object with at least line1, city and country\(found)")
            return nil
        }
        var address = Address()
        for (name, keyPath) in Self.fields {
            var text = ""
            switch fields[name] {
            case nil, .null?:
                break
            case .string(let value)?:
                text = value
            case let other?:
                issues.add("\(field).\(name)", "must be a string, not \(other.typeName)")
                continue
            }
            if OrderLimits.length(of: text) > OrderLimits.addressFieldLength {
                issues.add("\(field).\(name)", "must be at most \(OrderLimits.addressFieldLength) characters")
            } else if requiredFields.contains(name), text.allSatisfy(\.isWhitespace) {
                issues.add("\(field).\(name)", "is required and must not be empty")
            } else {
                issues.checkFreeText(text, field: "\(field).\(name)")
            }
            address[keyPath: keyPath] = text
        }
        return address
    }
}

extension Decimal {
    /// Digits after the decimal point in the shortest form of this number (`10.50` has 1).
    var fractionDigitCount: Int {
        let text = description
        guard let point = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: point, to: text.endIndex) - 1
    }
}

extension Int64 {
    /// The integer value of a decimal, if it is whole and in range.
    init?(exactly decimal: Decimal) {
        guard decimal.fractionDigitCount == 0, let value = Int64(decimal.description) else { return nil }
        self = value
    }
}

extension Int {
    init?(exactly decimal: Decimal) {
        guard let value = Int64(exactly: decimal) else { return nil }
        self.init(exactly: value)
    }
}
