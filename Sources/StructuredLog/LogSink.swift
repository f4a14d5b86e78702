import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where log lines go: standard error in a process, memory in a test.
public struct LogSink: Sendable {
    private let writeLine: @Sendable ([UInt8]) -> Void

    /// A sink that hands each line (JSON, ending in a newline) to `writeLine`, on the thread that logs it.
    public init(_ writeLine: @escaping @Sendable (_ line: [UInt8]) -> Void) {
        self.writeLine = writeLine
    }

    /// Standard error, unbuffered: each line is one `write`, so lines of concurrent writers never interleave.
    public static let standardError = LogSink { line in writeAll(line, to: STDERR_FILENO) }

    /// Writes one line.
    public func write(_ line: [UInt8]) {
        writeLine(line)
    }
}
