import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Reads of the process's standard input, unbuffered.
enum StandardStreams {
    /// Reads standard input to its end, stopping early once more than `limit` bytes have come.
    static func readInput(limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        // Not zeroed, unlike an array: an event is a few kilobytes, and clearing all of the buffer cost a process
        // 16 page faults and more instructions than reading the event.
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { chunk.deallocate() }
        while bytes.count <= limit {
            let count = retryingOnInterrupt { read(STDIN_FILENO, chunk.baseAddress, chunk.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
