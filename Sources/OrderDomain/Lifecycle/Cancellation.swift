public import Timestamps

/// Why and when an order was cancelled. Present only on cancelled orders.
public struct Cancellation: Equatable, Sendable {
    /// Why a shop cancels an order.
    public enum Reason: String, CaseIterable, Sendable {
        case customerRequest = "customer_request"
        case paymentFailed = "payment_failed"
        case outOfStock = "out_of_stock"
        case fraudSuspected = "fraud_suspected"
        case other

        /// The wire names of every reason, for messages that list them.
        public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    public var reason: Reason
    /// The shop's own words, at most 1,000 characters.
    public var note: String?
    public var cancelledAt: Timestamp

    /// A cancellation as given, unchecked.
    public init(reason: Reason, note: String?, cancelledAt: Timestamp) {
        self.reason = reason
        self.note = note
        self.cancelledAt = cancelledAt
    }
}

extension OrderLimits {
    public static let cancellationNoteLength = 1000
}

/// A validated request to cancel an order: `POST /order/{id}/cancel` with `{"reason", "note"}`.
public struct CancellationRequest: Equatable, Sendable {
    public var id: OrderID
    public var reason: Cancellation.Reason
    public var note: String?

    /// A request as given, unchecked: ``init(json:pathID:)`` is the one that reads a request.
    public init(id: OrderID, reason: Cancellation.Reason, note: String? = nil) {
        self.id = id
        self.reason = reason
        self.note = note
    }

    /// Reads `{"reason": …, "note": …}` for the order named by the path.
    ///
    /// - Throws: ``OrderError`` `validation_failed` listing every problem.
    public init(json: JSONValue, pathID: String) throws(OrderError) {
        var issues = FieldIssues()
        guard case .object(let body) = json else {
            throw .invalidFields([FieldIssue(field: "body", message: "must be a JSON object, not \(json.typeName)")])
        }
        let id = OrderID.readPathParameter(pathID, into: &issues)

        var reason: Cancellation.Reason?
        switch body["reason"] {
        case .string(let name)?:
            reason = Cancellation.Reason(rawValue: name)
            if reason == nil { issues.add("reason", "must be one of \(Cancellation.Reason.allNames), not '\(name)'") }
        case nil, .null?:
            issues.add("reason", "is required: one of \(Cancellation.Reason.allNames)")
        case let other?:
            issues.add("reason", "must be a string, one of \(Cancellation.Reason.allNames), not \(other.typeName)")
        }

        var note: String?
        switch body["note"] {
        case nil, .null?:
            break
        case .string(let text)? where OrderLimits.length(of: text) <= OrderLimits.cancellationNoteLength:
            if issues.checkFreeText(text, field: "note") { note = text }
        case .string?:
            issues.add("note", "must be at most \(OrderLimits.cancellationNoteLength) characters")
        case let other?:
            issues.add("note", "must be a string, not \(other.typeName)")
        }

        guard let id, let reason, issues.isEmpty else { throw .invalidFields(issues.all) }
        self.init(id: id, reason: reason, note: note)
    }
}
