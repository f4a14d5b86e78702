/// The limits the order service puts on requests, enforced by the function runtime and the local gateway alike.
public enum RequestLimits {
    /// The largest request body accepted: 1 MiB. A larger body is answered 413 `payload_too_large` before any
    /// handler runs.
    public static let maximumBodySize = 1024 * 1024
}
