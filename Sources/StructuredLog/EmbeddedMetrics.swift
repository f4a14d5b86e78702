public import SystemSupport
public import Timestamps

/// The CloudWatch Embedded Metric Format members of one log line: Lambda turns a line that carries them into
/// metrics, with no client library and no call of its own.
///
/// ```json
/// {"time": …, "msg": "invocation", …,
///  "_aws": {"Timestamp": 1764635520000, "CloudWatchMetrics": [{"Namespace": "OrderService",
///           "Dimensions": [["Function"]], "Metrics": [{"Name": "HandlerDuration", "Unit": "Milliseconds"}]}]},
///  "Function": "create-order", "HandlerDuration": 1.25}
/// ```
///
/// Metrics with the same dimension names share one directive (one entry of `CloudWatchMetrics`), in the order they
/// first appear. A line holds one value per name: a metric whose name was already written in the line, or whose
/// dimension has another value there already, is left out (a line reports one thing that happened, so the service
/// never writes such pairs). The service's lines carry a handful of metrics, far below the format's limits of 100
/// metrics per directive and 30 dimensions per set.
public struct EmbeddedMetrics: Sendable {
    /// The namespace of every metric of the service.
    public static let namespace = "OrderService"

    /// The metrics written, in order.
    public var metrics: [Metric]

    /// The members for `metrics`.
    public init(_ metrics: [Metric]) {
        self.metrics = metrics
    }

    /// Writes `_aws`, then each dimension's value and each metric's value, into the current object; nothing when
    /// there are no metrics. `time` is the observation's time (`_aws.Timestamp`, milliseconds since the epoch).
    public func write(to json: inout JSONWriter, at time: Timestamp) {
        let accepted = acceptedMetrics()
        guard !accepted.isEmpty else { return }
        json.object("_aws") { json in
            json.field("Timestamp", Int(time.millisecondsSinceEpoch))
            json.key("CloudWatchMetrics")
            json.array { json in
                // One directive per set of dimension names, at the first metric that has it. Scans rather than a
                // grouping in memory: building one cost a process more than all the writing.
                for (index, first) in accepted.enumerated()
                where !accepted[..<index].contains(where: { $0.hasDimensionNames(of: first) }) {
                    json.object { json in
                        json.field("Namespace", Self.namespace)
                        json.key("Dimensions")
                        json.array { json in
                            json.array { json in
                                for dimension in first.dimensions { json.string(dimension.name) }
                            }
                        }
                        json.key("Metrics")
                        json.array { json in
                            for metric in accepted[index...] where metric.hasDimensionNames(of: first) {
                                json.object { json in
                                    json.field("Name", metric.name)
                                    json.field("Unit", metric.unit.rawValue)
                                }
                            }
                        }
                    }
                }
            }
        }
        // Each dimension once, where it first appears.
        for (index, metric) in accepted.enumerated() {
            for dimension in metric.dimensions
            where !accepted[..<index].contains(where: { $0.dimensions.contains { $0.name == dimension.name } }) {
                json.field(dimension.name, dimension.value)
            }
        }
        for metric in accepted { json.field(metric.name, metric.value) }
    }

    /// The metrics in order, less those whose name, or one of whose dimensions, the line already holds otherwise.
    ///
    /// Linear searches, not sets: a line holds a handful of metrics, and a process that writes one line pays for
    /// every first use of a hashed collection.
    private func acceptedMetrics() -> [Metric] {
        var accepted: [Metric] = []
        for metric in metrics {
            let clashes = accepted.contains { earlier in
                earlier.name == metric.name || earlier.dimensions.contains { $0.name == metric.name }
                    || metric.dimensions.contains { dimension in
                        earlier.name == dimension.name
                            || earlier.dimensions.contains { $0.name == dimension.name && $0.value != dimension.value }
                    }
            }
            if !clashes { accepted.append(metric) }
        }
        return accepted
    }
}

extension Metric {
    /// Whether `other` has the same dimension names, in the same order.
    fileprivate func hasDimensionNames(of other: Metric) -> Bool {
        dimensions.count == other.dimensions.count
            && zip(dimensions, other.dimensions).allSatisfy { $0.name == $1.name }
    }
}
