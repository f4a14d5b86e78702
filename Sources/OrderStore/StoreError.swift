/// A failure of the order store itself, as opposed to a request the domain refuses.
///
/// Every case names the file involved, for the log; none of it is meant for API clients.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Which kind of failure, stable for logs and alerts.
    public enum Code: String, Sendable {
        /// A document exists but cannot be read as an order. It is left untouched.
        case corruptDocument = "corrupt_document"
        /// A document was written by a newer version of the service.
        case unsupportedSchema = "unsupported_schema"
        /// The file system has no space (or quota) left. Nothing was changed.
        case storageFull = "storage_full"
        /// Any other operating-system failure. Nothing was changed.
        case ioFailure = "io_failure"
    }

    public var code: Code
    /// What was being done, with the path: `fsync /data/orders/ab/2.json`.
    public var operation: String
    /// The `errno` of the failed call, if one failed.
    public var errno: Int32?

    /// A failure of `operation` (what was done, with its path), and the `errno` of the call that failed, if one did.
    public init(_ code: Code, _ operation: String, errno: Int32? = nil) {
        self.code = code
        self.operation = operation
        self.errno = errno
    }

    /// The code, the operation and the system's reason: `io_failure: fsync /data/orders/ab/2.json: Input/output error`.
    public var description: String {
        let reason = errno.map { ": \(String(cString: strerror($0)))" } ?? ""
        return "\(code.rawValue): \(operation)\(reason)"
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
