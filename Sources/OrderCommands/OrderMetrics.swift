import OrderDomain
import StructuredLog

/// The metrics of the changes the order functions make, reported in their invocation's log line
/// (``FunctionResponse/metrics``). Each is counted once per change that was committed, never for a refusal, a no-op
/// or a replayed answer.
extension Metric {
    /// `OrdersCreated`: an order was stored.
    static let orderCreated = Metric.count("OrdersCreated")

    /// `StatusChanges` under `OrderStatus`: an order moved to `status` (cancellations included).
    static func statusChanged(to status: OrderStatus) -> Metric {
        .count("StatusChanges", dimensions: [Dimension("OrderStatus", status.rawValue)])
    }

    /// `Cancellations` under `Reason`: an order was cancelled for `reason`.
    static func cancelled(for reason: Cancellation.Reason) -> Metric {
        .count("Cancellations", dimensions: [Dimension("Reason", reason.rawValue)])
    }

    /// What moving `order` to its current status reports: the change, and the cancellation when it is one.
    static func statusChange(of order: Order) -> [Metric] {
        var metrics = [statusChanged(to: order.status)]
        if order.status == .cancelled, let cancellation = order.cancellation {
            metrics.append(cancelled(for: cancellation.reason))
        }
        return metrics
    }
}
