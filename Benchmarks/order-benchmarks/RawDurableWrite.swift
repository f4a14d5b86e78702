#if canImport(Glibc)
    import Glibc
#endif

/// The floor of a crash-safe file replacement, in plain system calls and nothing else: create a temp file in the
/// target's directory, write, `fsync`, `close`, `rename` over the target, then `fsync` the directory.
enum RawDurableWrite {
    static func write(_ bytes: [UInt8], directory: String, name: String) throws {
        let temporary = "\(directory)/.\(name).tmp"
        let file = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw failure("open \(temporary)") }
        let written = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw failure("write \(temporary)") }
        guard fsync(file) == 0 else { throw failure("fsync \(temporary)") }
        close(file)
        guard rename(temporary, "\(directory)/\(name)") == 0 else { throw failure("rename \(temporary)") }
        let parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { throw failure("open \(directory)") }
        defer { close(parent) }
        guard fsync(parent) == 0 else { throw failure("fsync \(directory)") }
    }

    private static func failure(_ operation: String) -> BenchmarkFailure {
        BenchmarkFailure("\(operation): \(String(cString: strerror(errno)))")
    }
}
