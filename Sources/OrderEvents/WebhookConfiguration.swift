import FoundationEssentials
public import SystemSupport

/// Where and how events are delivered, read from the environment.
public struct WebhookConfiguration: Sendable {
    /// `ORDER_WEBHOOK_URL`: where events are posted. Without it, events are recorded but not posted.
    public var url: String?
    /// The key from `ORDER_WEBHOOK_SECRET` (`whsec_<base64>`); requests are signed when it is set.
    public var signingKey: [UInt8]?
    /// `ORDER_WEBHOOK_TIMEOUT_MS`: the limit on one delivery attempt. Default 2000.
    public var timeoutMilliseconds: Int
    /// `ORDER_EVENT_SOURCE`: the CloudEvents `source` of every event. Default `/order-service`.
    public var source: String
    /// `ORDER_WEBHOOK_RETRY_SCHEDULE`: the waits between attempts.
    public var retrySchedule: RetrySchedule

    public static let defaultTimeoutMilliseconds = 2000
    public static let defaultSource = "/order-service"

    public init(
        url: String?, signingKey: [UInt8]? = nil, timeoutMilliseconds: Int = defaultTimeoutMilliseconds,
        source: String = defaultSource, retrySchedule: RetrySchedule = .standardWebhooks
    ) {
        self.url = url
        self.signingKey = signingKey
        self.timeoutMilliseconds = timeoutMilliseconds
        self.source = source
        self.retrySchedule = retrySchedule
    }

    /// A setting that cannot be used, named with what to do about it.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the `ORDER_WEBHOOK_*` and `ORDER_EVENT_SOURCE` variables.
    ///
    /// - Throws: ``Invalid`` for a URL that is not http(s), a secret that is not `whsec_<base64>`, or a timeout or
    ///   schedule that does not parse. The message never contains the secret.
    public static func fromEnvironment(_ environment: [String: String] = ProcessEnvironment.variables)
        throws(Invalid) -> WebhookConfiguration
    {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        var configuration = WebhookConfiguration(url: value("ORDER_WEBHOOK_URL"))
        if let url = configuration.url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw Invalid(description: "ORDER_WEBHOOK_URL must be an http:// or https:// URL")
        }
        if let secret = value("ORDER_WEBHOOK_SECRET") {
            guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), !key.isEmpty
            else {
                throw Invalid(description: "ORDER_WEBHOOK_SECRET must be whsec_ followed by a base64 key")
            }
            configuration.signingKey = Array(key)
        }
        if let timeout = value("ORDER_WEBHOOK_TIMEOUT_MS") {
            guard let milliseconds = Int(timeout), milliseconds > 0 else {
                throw Invalid(description: "ORDER_WEBHOOK_TIMEOUT_MS must be a positive number of milliseconds")
            }
            configuration.timeoutMilliseconds = milliseconds
        }
        if let source = value("ORDER_EVENT_SOURCE") {
            configuration.source = source
        }
        if let schedule = value("ORDER_WEBHOOK_RETRY_SCHEDULE") {
            guard let parsed = RetrySchedule(text: schedule) else {
                throw Invalid(
                    description: "ORDER_WEBHOOK_RETRY_SCHEDULE must list waits such as 5s,5m,30m,2h (got \(schedule))")
            }
            configuration.retrySchedule = parsed
        }
        return configuration
    }
}
