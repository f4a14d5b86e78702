import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The gateway's request ids, as API Gateway's look: random UUIDs (version 4), in lower case.
///
/// Foundation's `UUID()` opens, reads and closes `/dev/urandom` for each one on Linux, three system calls a request;
/// these come from random bytes the C library gives 4 KiB at a time (`arc4random_buf`, one `getrandom` on Linux),
/// 256 ids to a system call.
enum RequestID {
    private static let random = Mutex(RandomBytes())

    /// A new id: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, 122 random bits.
    static func make() -> String {
        var bytes = random.withLock { $0.take16() }
        bytes.6 = bytes.6 & 0x0F | 0x40  // version 4
        bytes.8 = bytes.8 & 0x3F | 0x80  // RFC 4122 variant
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                let digits: StaticString = "0123456789abcdef"
                var at = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = digits.utf8Start[Int(byte >> 4)]
                    text[at + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }

    /// Random bytes from the kernel, handed out 16 at a time.
    private struct RandomBytes {
        private var buffer = [UInt8](repeating: 0, count: 4096)
        private var next = 4096

        typealias Sixteen = (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8
        )

        mutating func take16() -> Sixteen {
            if next + 16 > buffer.count {
                refill()
                next = 0
            }
            defer { next += 16 }
            return buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: next, as: Sixteen.self) }
        }

        private mutating func refill() {
            buffer.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        }
    }
}
