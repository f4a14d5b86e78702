/// The timings of one case.
struct CaseResult: Encodable {
    var name: String
    var calls: Int
    var medianMilliseconds: Double
    var p10Milliseconds: Double
    var p90Milliseconds: Double
    var meanMilliseconds: Double

    init(name: String, nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        func milliseconds(atFraction fraction: Double) -> Double {
            Double(sorted[Int(Double(sorted.count - 1) * fraction)]) / 1_000_000
        }
        self.name = name
        calls = sorted.count
        medianMilliseconds = milliseconds(atFraction: 0.5)
        p10Milliseconds = milliseconds(atFraction: 0.1)
        p90Milliseconds = milliseconds(atFraction: 0.9)
        meanMilliseconds = Double(sorted.reduce(0, +)) / Double(sorted.count) / 1_000_000
    }

    enum CodingKeys: String, CodingKey {
        case name, calls
        case medianMilliseconds = "median_ms"
        case p10Milliseconds = "p10_ms"
        case p90Milliseconds = "p90_ms"
        case meanMilliseconds = "mean_ms"
    }
}
