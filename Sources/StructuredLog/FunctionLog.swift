public import SystemSupport
import Timestamps

/// Structured logs: one JSON object per line, on standard error unless a task chose another ``LogSink``.
///
/// Bodies and secrets are never logged; only the fields a caller passes. Every line of the service (functions and
/// the local gateway) is written here, so they all share one shape.
public enum FunctionLog {
    /// Where the lines written by the current task go. Bind another with `FunctionLog.$sink.withValue(…)` to
    /// capture them, as tests do; the binding covers what the closure calls, on this thread or in child tasks.
    @TaskLocal public static var sink: LogSink = .standardError

    /// The X-Ray trace of the invocation being handled, written in every line as `trace_id`; `nil` writes none.
    /// The function runtime binds it for each invocation.
    @TaskLocal public static var traceID: String?

    /// Writes one line: `{"time": …, "level": …, "msg": …, "trace_id": …, …fields}`, and with `metrics` their
    /// Embedded Metric Format members after the fields (``EmbeddedMetrics``), timed as the line is.
    ///
    /// Costs one JSON line built in memory and one `write` to the sink; it never fails (a line that cannot be
    /// written is dropped).
    public static func write(
        _ message: String, level: String = "info", fields: some LogFields, metrics: [Metric] = []
    ) {
        let time = Timestamp.now()
        var json = JSONWriter()
        json.object { json in
            json.field("time", time.description)
            json.field("level", level)
            json.field("msg", message)
            json.fieldIfPresent("trace_id", traceID)
            fields.write(to: &json)
            if !metrics.isEmpty { EmbeddedMetrics(metrics).write(to: &json, at: time) }
        }
        sink.write(json.bytes + [UInt8(ascii: "\n")])
    }

    /// Writes a message with no other fields.
    public static func write(_ message: String, level: String = "info") {
        write(message, level: level, fields: [String: String]())
    }
}

/// The fields a log line carries after its time, level and message.
public protocol LogFields {
    /// Writes the fields into the line's object.
    func write(to json: inout JSONWriter)
}

extension Dictionary: LogFields where Key == String, Value == String {
    /// The fields in the order of their names.
    public func write(to json: inout JSONWriter) {
        json.fields(self)
    }
}
