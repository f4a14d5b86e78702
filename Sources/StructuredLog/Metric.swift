/// One value for CloudWatch, carried by a log line (see ``EmbeddedMetrics``): a name, a unit, the value, and the
/// dimensions it is counted under.
///
/// Names and dimension names are PascalCase (`OrdersCreated`, `OrderStatus`), so that they never collide with a
/// line's own snake_case fields, beside which they are written.
public struct Metric: Sendable, Equatable {
    /// The units this service reports in, spelled as CloudWatch spells them.
    public enum Unit: String, Sendable {
        case count = "Count"
        case milliseconds = "Milliseconds"
        case seconds = "Seconds"
    }

    /// One dimension of a metric: its name, and the value this metric is counted under.
    public struct Dimension: Sendable, Equatable {
        /// The dimension's name, such as `Function`.
        public var name: String
        /// The value, such as `create-order`.
        public var value: String

        /// A dimension `name` with `value`.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The metric's name in the `OrderService` namespace.
    public var name: String
    /// What `value` counts or measures.
    public var unit: Unit
    /// The value of this one observation; CloudWatch sums, averages or takes percentiles of them.
    public var value: Double
    /// The dimensions, in order; none for a figure of the whole service.
    public var dimensions: [Dimension]

    /// An observation of `name`: `value` in `unit`, under `dimensions`.
    public init(_ name: String, _ value: Double, unit: Unit, dimensions: [Dimension] = []) {
        self.name = name
        self.value = value
        self.unit = unit
        self.dimensions = dimensions
    }

    /// One occurrence of something counted, such as an order created.
    public static func count(_ name: String, dimensions: [Dimension] = []) -> Metric {
        Metric(name, 1, unit: .count, dimensions: dimensions)
    }
}
