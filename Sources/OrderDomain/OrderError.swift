public import FoundationEssentials

/// A request the order domain refuses, with a stable machine-readable ``Code``.
///
/// Messages say what is wrong and how to fix it; they never contain internals.
public struct OrderError: Error, Equatable, Sendable {
    /// Stable error codes. Their HTTP statuses are assigned in one place, by the API layer.
    public enum Code: String, Sendable, CaseIterable {
        /// The body is not JSON, or not valid UTF-8.
        case malformedJSON = "malformed_json"
        /// One or more fields are missing or invalid; ``OrderError/details`` lists them all.
        case validationFailed = "validation_failed"
        /// The client sent an `amount` that is not the sum of its order lines.
        case amountMismatch = "amount_mismatch"
        /// No order has the requested id.
        case orderNotFound = "order_not_found"
        /// The order exists but has no event with the requested id.
        case eventNotFound = "event_not_found"
        /// An order with the requested id already exists.
        case orderExists = "order_exists"
        /// The requested status is not the next one in the flow.
        case invalidTransition = "invalid_transition"
        /// `If-Match` named a version that is not the order's current one.
        case versionMismatch = "version_mismatch"
        /// An `Idempotency-Key` was sent again with a different request body.
        case idempotencyKeyReused = "idempotency_key_reused"
        /// An `Idempotency-Key` was sent again while the first request with it is still running.
        case requestInProgress = "request_in_progress"
    }

    public var code: Code
    public var message: String
    /// Every invalid field, for ``Code/validationFailed`` and ``Code/amountMismatch``.
    public var details: [FieldIssue]

    /// An error with its code and a message for the client; prefer the named constructors below, which word each message.
    public init(_ code: Code, _ message: String, details: [FieldIssue] = []) {
        self.code = code
        self.message = message
        self.details = details
    }
}

/// One invalid field of a request, named by its path (`order_lines[2].quantity`).
public struct FieldIssue: Codable, Equatable, Sendable {
    public var field: String
    public var message: String

    /// The issue of `field` (a path such as `order_lines[2].quantity`), with what to fix.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension OrderError {
    /// The request body could not be read as JSON.
    public static func malformedJSON(_ reason: String) -> OrderError {
        OrderError(.malformedJSON, "The request body is not valid JSON: \(reason).")
    }

    /// Fields are missing or invalid; the message names the first few, `details` all of them.
    public static func invalidFields(_ issues: [FieldIssue]) -> OrderError {
        let summary = issues.prefix(3).map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        let more = issues.count > 3 ? " (and \(issues.count - 3) more, see details)" : ""
        return OrderError(.validationFailed, "The request has invalid fields. \(summary)\(more)", details: issues)
    }

    /// The amount sent is not the total of the lines.
    public static func amountMismatch(sent: Decimal, computed: Decimal) -> OrderError {
        let message =
            "amount is \(sent) but the order lines add up to \(computed); send \(computed) or leave amount out"
        return OrderError(
            .amountMismatch, "The amount does not match the order lines: \(message).",
            details: [FieldIssue(field: "amount", message: message)])
    }

    /// `amount` is a number too large or too small for any amount (`1e400`), so it cannot be the lines' total.
    public static func amountOutOfRange(computed: Decimal) -> OrderError {
        let message =
            "amount is too large or too small to be any amount, and the order lines add up to \(computed); "
            + "send \(computed) or leave amount out"
        return OrderError(
            .amountMismatch, "The amount does not match the order lines: \(message).",
            details: [FieldIssue(field: "amount", message: message)])
    }

    /// No order has `id`.
    public static func notFound(_ id: OrderID) -> OrderError {
        OrderError(.orderNotFound, "No order has id '\(id)'.")
    }

    /// The order `id` exists but has no event `eventID`.
    public static func eventNotFound(_ eventID: String, order id: OrderID) -> OrderError {
        OrderError(
            .eventNotFound,
            "Order '\(id)' has no event with id '\(TextRules.excerpt(eventID))'; GET /order/\(id)/events lists them.")
    }

    /// An order with `id` exists already, so a create with that id is refused.
    public static func exists(_ id: OrderID) -> OrderError {
        OrderError(
            .orderExists, "An order with id '\(id)' already exists; send another id, or none to have one assigned.")
    }

    /// The order cannot move from `current` to `target`; the message names the one status it can move to.
    public static func invalidTransition(order id: OrderID, from current: OrderStatus, to target: OrderStatus)
        -> OrderError
    {
        if current == .cancelled {
            return OrderError(
                .invalidTransition,
                "Order '\(id)' is cancelled, which is final; it cannot move to \(target.rawValue).")
        }
        if target == .cancelled {
            return OrderError(
                .invalidTransition,
                "Order '\(id)' has shipped (it is \(current.rawValue)), so it can no longer be cancelled.")
        }
        guard let next = current.next else {
            return OrderError(
                .invalidTransition,
                "Order '\(id)' is \(current.rawValue), the end of the order flow; it cannot move to \(target.rawValue)."
            )
        }
        return OrderError(
            .invalidTransition,
            "Order '\(id)' is \(current.rawValue) and can only move to \(next.rawValue), not to \(target.rawValue).")
    }

    /// A shipment sent again with the status the order already has, but with other fields: only the move to the
    /// next status may change a shipment.
    public static func shipmentNotChangeable(order id: OrderID, status: OrderStatus) -> OrderError {
        OrderError(
            .invalidTransition,
            "Order '\(id)' is \(status.rawValue) already, and its shipment changes only with the move to "
                + "\(status.next.map(\.rawValue) ?? "the next status"); send the shipment as it is, or none.")
    }

    /// `If-Match` named `expected`, but the order is at version `current`.
    public static func versionMismatch(order id: OrderID, current: Int, expected: [String]) -> OrderError {
        OrderError(
            .versionMismatch,
            "Order '\(id)' is at version \(current), but If-Match asked for \(TextRules.excerpt(expected.joined(separator: " or "))); "
                + "read the order again and retry with If-Match: \"\(current)\".")
    }
}

extension OrderError {
    /// The key was used before, for a request with another body.
    public static func idempotencyKeyReused() -> OrderError {
        OrderError(
            .idempotencyKeyReused,
            "This Idempotency-Key was already used with a different request body; send a new key for a new request.")
    }

    /// The first request with this key has not finished yet.
    public static func requestInProgress() -> OrderError {
        OrderError(
            .requestInProgress,
            "A request with this Idempotency-Key is still in progress; retry after it has finished.")
    }
}
