import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Reads of the process's standard input, unbuffered.
enum StandardStreams {
    /// Reads standard input to its end, stopping early once more than `limit` bytes have come.
    static func readInput(limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= limit {
            let count = retryingOnInterrupt { read(STDIN_FILENO, &chunk, chunk.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
