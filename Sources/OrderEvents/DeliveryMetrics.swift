import OrderDomain
public import StructuredLog

/// The metrics of event delivery, written in the log lines of each attempt and of each `dispatch-events` run.
extension Metric {
    /// `WebhookDeliveries` and `WebhookDeliveryDuration` under `Outcome`, and `EventsDead` when the attempt gave the
    /// event up: what one attempt to post an event led to.
    ///
    /// `Outcome` is `delivered`, `failed` (to be retried) or `dead` (dead-lettered: a 410, or the last attempt).
    static func webhookAttempt(leadingTo state: EventDelivery.State, milliseconds: Double) -> [Metric] {
        let outcome = [Dimension("Outcome", state.metricOutcome)]
        var metrics = [
            Metric.count("WebhookDeliveries", dimensions: outcome),
            Metric("WebhookDeliveryDuration", milliseconds, unit: .milliseconds, dimensions: outcome),
        ]
        if state == .dead { metrics.append(.count("EventsDead")) }
        return metrics
    }

    /// `OldestPendingEventAge`: how long the oldest event still waiting has waited, in seconds; 0 when none waits.
    /// Published by every `dispatch-events` run, so that a webhook that stopped taking events shows as a rising line.
    public static func oldestPendingEventAge(seconds: Double) -> Metric {
        Metric("OldestPendingEventAge", seconds, unit: .seconds)
    }
}

extension EventDelivery.State {
    /// The `Outcome` of an attempt that left the event in this state.
    fileprivate var metricOutcome: String {
        switch self {
        case .delivered: "delivered"
        case .pending: "failed"
        case .dead: "dead"
        }
    }
}
