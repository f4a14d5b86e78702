import FoundationEssentials

/// What a subcommand prints: `{"results": [{"name", "calls", "median_ms", …}], "payload_bytes": …}`.
struct BenchmarkReport: Encodable {
    var results: [CaseResult]
    /// The size of the document written, for the durable-write benchmark.
    var payloadBytes: Int?

    enum CodingKeys: String, CodingKey {
        case results
        case payloadBytes = "payload_bytes"
    }

    func printJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(self), as: UTF8.self))
    }
}
