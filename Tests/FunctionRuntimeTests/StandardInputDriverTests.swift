import FunctionRuntime
import StructuredLog
import Synchronization
import SystemSupport
import Testing

/// The one-event mode, driven in-process: the answer, the log line, and the order of the two.
@Suite("Standard input driver, in-process")
struct StandardInputDriverTests {
    @Test("the trace id of the environment reaches the invocation's log line, after the answer was sent")
    func answerThenLog() throws {
        let steps = Mutex<[String]>([])
        let driver = StandardInputDriver(
            function: "echo",
            configuration: RuntimeConfiguration(environment: Environment(["_X_AMZN_TRACE_ID": "Root=1-env"])))
        let sink = LogSink { line in steps.withLock { $0.append("log " + String(decoding: line, as: UTF8.self)) } }
        try FunctionLog.$sink.withValue(sink) {
            try driver.answer(event: RuntimeAPILoopTests.event(path: "/e")) {
                RuntimeAPILoopTests.EchoPath(record: FakeRuntimeAPI([]))
            } send: { bytes in
                steps.withLock { $0.append("send " + String(decoding: bytes, as: UTF8.self)) }
            }
        }
        let recorded = steps.withLock { $0 }
        #expect(recorded.count == 3)
        #expect(recorded[0].contains(#""msg":"handled""#))
        #expect(recorded[1].hasPrefix("send ") && recorded[1].contains(#""body":"/e""#))
        #expect(recorded[2].contains(#""msg":"invocation""#) && recorded[2].contains(#""trace_id":"Root=1-env""#))
    }

    @Test("an event that is not a proxy event is refused before the handler is built")
    func unreadable() {
        let driver = StandardInputDriver(
            function: "echo", configuration: RuntimeConfiguration(environment: Environment([:])))
        #expect(throws: StandardInputDriver.UnreadableEvent.self) {
            try driver.answer(event: Array("nope".utf8)) { () throws -> any FunctionHandler in
                Issue.record("the handler was built")
                return RuntimeAPILoopTests.EchoPath(record: FakeRuntimeAPI([]))
            } send: { _ in
            }
        }
    }

    @Test("the configuration reads the runtime's variables; an empty endpoint means standard-input mode")
    func configuration() {
        let configuration = RuntimeConfiguration(
            environment: Environment([
                "AWS_LAMBDA_RUNTIME_API": "", "AWS_LAMBDA_FUNCTION_TIMEOUT": "3", "_X_AMZN_TRACE_ID": "Root=1",
            ]))
        #expect(configuration.runtimeAPIEndpoint == nil)
        #expect(configuration.functionTimeoutSeconds == 3)
        #expect(configuration.traceID == "Root=1")
        #expect(
            RuntimeConfiguration(environment: Environment(["AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"]))
                .runtimeAPIEndpoint
                == "127.0.0.1:9001")
    }
}
