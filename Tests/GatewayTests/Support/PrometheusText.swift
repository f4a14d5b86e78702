/// Samples read back from Prometheus' text exposition format, for the tests of `GET /metrics`.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    /// The `# TYPE` of each metric family.
    var types: [String: String] = [:]

    /// Reads `text`; a line that is neither a comment nor `name{labels} value` is an error in the test.
    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                samples.append(Sample(name: "unreadable: \(line)", labels: [:], value: .nan))
                continue
            }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{"), series.hasSuffix("}") else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
                continue
            }
            var labels: [String: String] = [:]
            let body = series[series.index(after: open)..<series.index(before: series.endIndex)]
            for pair in body.split(separator: "\",") {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                var text = pair[pair.index(equals, offsetBy: 2)...]
                if text.hasSuffix("\"") { text = text.dropLast() }
                labels[String(pair[..<equals])] = String(text)
            }
            samples.append(Sample(name: String(series[..<open]), labels: labels, value: value))
        }
    }

    /// The value of the series `name` whose labels include `labels`, summed over the series that match.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    /// Lines that could not be read.
    var unreadable: [String] { samples.map(\.name).filter { $0.hasPrefix("unreadable") } }
}
