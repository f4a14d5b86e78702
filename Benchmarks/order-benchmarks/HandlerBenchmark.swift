import FunctionRuntime
import OrderAPI
import OrderCommands
import OrderEvents
import OrderHTTP
import StructuredLog

/// get-order and create-order called as library functions: what a request costs without a process around it.
///
/// Each call does what ``FunctionMain`` does for one event, except start a process and write the log line:
/// decode the event, respond (body size check included), encode the proxy response, then run the after-response
/// work. The handlers are built as `functions/*/main.swift` builds them, from the same environment.
struct HandlerBenchmark {
    let getOrder: any FunctionHandler
    let createOrder: any FunctionHandler
    let getEvent: [UInt8]
    let createEvent: [UInt8]

    init(getEvent: [UInt8], createEvent: [UInt8]) throws {
        let context = try OrderServiceContext.fromEnvironment()
        getOrder = GetOrder(context: context)
        createOrder = CreateOrder(
            context: context, events: EventPublisher(context: context, webhook: try .fromEnvironment()),
            idempotency: try .fromEnvironment())
        self.getEvent = getEvent
        self.createEvent = createEvent
    }

    func run(rounds: Int) throws -> [CaseResult] {
        try runInTurns(
            [
                TimedCase(name: "get-order") { try invoke(getOrder, with: getEvent, expecting: 200) },
                TimedCase(name: "create-order") { try invoke(createOrder, with: createEvent, expecting: 201) },
            ],
            rounds: rounds)
    }

    /// One invocation; a status other than `expected` means the benchmark is not timing what it says.
    private func invoke(_ handler: any FunctionHandler, with event: [UInt8], expecting expected: Int) throws {
        let request = try FunctionRequest(event: event)
        let response = handler.respond(to: request)
        let encoded = response.encoded(for: request.payloadVersion)
        response.afterResponse?(InvocationContext(requestID: request.requestID))
        guard response.statusCode == expected, !encoded.isEmpty else {
            throw BenchmarkFailure(
                "\(request.method) \(request.path) answered \(response.statusCode): \(response.body)")
        }
    }
}
