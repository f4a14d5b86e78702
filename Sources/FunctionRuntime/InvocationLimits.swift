/// The limits of a synchronous Lambda invocation, which the runtime and the local gateway both hold to.
public enum InvocationLimits {
    /// The largest event a function accepts, and the largest response it may give: 6 MiB, as Lambda allows.
    public static let maximumPayloadSize = 6 * 1024 * 1024
}
