/// Where an order stands: a step of the standard order flow, or cancelled.
///
/// The flow is a single line: every order starts at ``pendingConfirmation`` and can only move to the
/// status right after the one it has, until ``delivered``. Before it ships, an order can be ``cancelled`` instead,
/// which is final.
public enum OrderStatus: String, CaseIterable, Sendable {
    case pendingConfirmation = "pending_confirmation"
    case confirmed
    case sentToWarehouse = "sent_to_warehouse"
    case shipped
    case inTransit = "in_transit"
    case delivered
    /// Off the flow, for good: reached only from a status before ``shipped``.
    case cancelled

    /// The status every new order starts with.
    public static let initial = OrderStatus.pendingConfirmation

    /// The standard flow, in order.
    public static let flow: [OrderStatus] = [
        .pendingConfirmation, .confirmed, .sentToWarehouse, .shipped, .inTransit, .delivered,
    ]

    /// The only status of the flow this one may move to, or `nil` at the end of the flow and once cancelled.
    public var next: OrderStatus? {
        guard let index = Self.flow.firstIndex(of: self), index + 1 < Self.flow.endIndex else { return nil }
        return Self.flow[index + 1]
    }

    /// Whether the order has left the warehouse: ``shipped`` or a status after it. Such an order cannot be cancelled.
    public var hasShipped: Bool {
        guard let index = Self.flow.firstIndex(of: self) else { return false }
        return index >= Self.flow.firstIndex(of: .shipped)!
    }

    /// Whether a change to this status may carry a shipment: the move to ``shipped``, and to ``inTransit``.
    public var takesShipment: Bool { self == .shipped || self == .inTransit }

    /// The wire names of every status, the flow's in order and then `cancelled`, for messages that list them.
    public static var allNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
