/// Where an order stands in the standard order flow.
///
/// The flow is a single line: every order starts at ``pendingConfirmation`` and can only move to the
/// status right after the one it has, until ``delivered``.
public enum OrderStatus: String, Codable, CaseIterable, Sendable, Comparable {
    case pendingConfirmation = "pending_confirmation"
    case confirmed
    case sentToWarehouse = "sent_to_warehouse"
    case shipped
    case inTransit = "in_transit"
    case delivered

    /// The status every new order starts with.
    public static let initial = OrderStatus.pendingConfirmation

    /// The only status this one may move to, or `nil` at the end of the flow.
    public var next: OrderStatus? {
        let all = Self.allCases
        let index = all.firstIndex(of: self)! + 1
        return index < all.endIndex ? all[index] : nil
    }

    /// The wire names of every status, in flow order, for messages that list them.
    public static var allNames: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// By position in the flow: an earlier status is less.
    public static func < (lhs: OrderStatus, rhs: OrderStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
