#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Calls `call` again for as long as it fails with `EINTR`, and returns its first other result.
///
/// For system calls that return a negative value on failure and set `errno` (`read`, `write`, `fcntl`, …): a signal
/// delivered while the call waited is not a failure, so the call is simply made again. `errno` still holds the
/// failure's code when this returns a failed result.
public func retryingOnInterrupt(_ call: () -> Int) -> Int {
    retrying(call)
}

/// Calls `call` again for as long as it fails with `EINTR`, and returns its first other result; for the calls
/// that return an `Int32`, as `retryingOnInterrupt(_:)` does for those that return an `Int`.
public func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
    retrying(call)
}

// One body for both: specialized here, so callers load no generic integer witnesses at start-up.
private func retrying<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result < 0 && errno == EINTR { continue }
        return result
    }
}

/// Writes all of `bytes` to `descriptor`, retrying short writes and interrupted ones.
///
/// - Returns: `false` when a write failed (`errno` says why) or wrote nothing; what came before it was written.
///   One call is one `write` on a pipe when `bytes` fits in `PIPE_BUF`, so whole lines are never interleaved.
@discardableResult
public func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    var written = 0
    while written < bytes.count {
        let count = retryingOnInterrupt {
            bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
        }
        guard count > 0 else { return false }
        written += count
    }
    return true
}
