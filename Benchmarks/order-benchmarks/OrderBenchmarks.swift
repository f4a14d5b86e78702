import ArgumentParser
import FoundationEssentials

/// `order-benchmarks`: the costs a process per request hides, measured in one process, for `make bench`.
///
/// Each subcommand prints one JSON object, ``BenchmarkReport``, on standard output; the scripts in `scripts/`
/// turn it into tables.
@main
struct OrderBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order-benchmarks",
        abstract: "Time the handlers as library calls, and the store's durable write against its floor.",
        subcommands: [Handlers.self, DurableWrite.self, StoreWrites.self]
    )
}

struct Handlers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Call get-order and create-order in-process on the events the process benchmark uses, against the store in ORDER_DATA_DIR."
    )

    @Option(help: "An API Gateway event for get-order, of an order that exists.")
    var getEvent: String

    @Option(help: "An API Gateway event for create-order that lets the server assign the id.")
    var createEvent: String

    @Option(help: "Calls of each handler, taken in turns.")
    var rounds = 300

    func run() throws {
        let benchmark = try HandlerBenchmark(
            getEvent: try readFile(getEvent), createEvent: try readFile(createEvent))
        try BenchmarkReport(results: benchmark.run(rounds: rounds)).printJSON()
    }
}

struct DurableWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Time the file store's writes against temp write + fsync + rename + directory fsync made with plain system calls."
    )

    @Option(help: "An empty or missing directory on the file system to measure; the store is created in it.")
    var directory: String

    @Option(help: "The JSON body of the order to store (as POST /order takes it), which sets the document's size.")
    var body: String

    @Option(help: "Writes of each kind, taken in turns.")
    var rounds = 200

    func run() throws {
        let benchmark = try DurableWriteBenchmark(root: directory, body: try readFile(body))
        try BenchmarkReport(results: benchmark.run(rounds: rounds), payloadBytes: benchmark.payload.count).printJSON()
    }
}

/// The whole content of a file, or a failure naming it.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchmarkFailure("cannot read \(path)")
    }
    return Array(data)
}

/// Why a benchmark could not run, or found that what it timed did not do its job.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
