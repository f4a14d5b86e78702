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
        var directives: [(dimensions: [String], metrics: [Metric])] = []
        for metric in accepted {
            let names = metric.dimensions.map(\.name)
            if let index = directives.firstIndex(where: { $0.dimensions == names }) {
                directives[index].metrics.append(metric)
            } else {
                directives.append((names, [metric]))
            }
        }
        json.object("_aws") { json in
            json.field("Timestamp", Int(time.millisecondsSinceEpoch))
            json.key("CloudWatchMetrics")
            json.array { json in
                for directive in directives {
                    json.object { json in
                        json.field("Namespace", Self.namespace)
                        json.key("Dimensions")
                        json.array { json in
                            json.array { json in
                                for name in directive.dimensions { json.string(name) }
                            }
                        }
                        json.key("Metrics")
                        json.array { json in
                            for metric in directive.metrics {
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
        var written: Set<String> = []
        for dimension in accepted.flatMap(\.dimensions) where written.insert(dimension.name).inserted {
            json.field(dimension.name, dimension.value)
        }
        for metric in accepted { json.field(metric.name, metric.value) }
    }

    /// The metrics in order, less those whose name, or one of whose dimensions, the line already holds otherwise.
    private func acceptedMetrics() -> [Metric] {
        var names: Set<String> = []
        var dimensions: [String: String] = [:]
        var accepted: [Metric] = []
        for metric in metrics {
            guard !names.contains(metric.name),
                metric.dimensions.allSatisfy({ dimensions[$0.name, default: $0.value] == $0.value }),
                metric.dimensions.allSatisfy({ !names.contains($0.name) }), dimensions[metric.name] == nil
            else { continue }
            names.insert(metric.name)
            for dimension in metric.dimensions { dimensions[dimension.name] = dimension.value }
            accepted.append(metric)
        }
        return accepted
    }
}
