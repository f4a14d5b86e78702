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

    /// How long one delivery attempt may take when `ORDER_WEBHOOK_TIMEOUT_MS` is not set.
    public static let defaultTimeoutMilliseconds = 2000
    /// The CloudEvents `source` when `ORDER_EVENT_SOURCE` is not set.
    public static let defaultSource = "/order-service"

    /// A configuration; a `nil` URL means events are recorded but not posted.
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
    public static func fromEnvironment(_ environment: Environment = .process)
        throws(Invalid) -> WebhookConfiguration
    {
        func value(_ name: String) -> String? { environment.nonEmpty(name) }
        var configuration = WebhookConfiguration(url: value("ORDER_WEBHOOK_URL"))
        if let url = configuration.url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw Invalid(description: "ORDER_WEBHOOK_URL must be an http:// or https:// URL")
        }
        if let url = configuration.url, hostAndPort(of: url) == nil {
            // libcurl refuses such a URL, so no event could ever be posted. The URL is not repeated: it may hold a
            // password.
            throw Invalid(
                description:
                    "ORDER_WEBHOOK_URL must be http(s)://[user:password@]host[:port][/path]: its host or port is not "
                    + "valid. Percent-encode a user name or password that contains / ? # or @ (%2F %3F %23 %40)")
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

extension WebhookConfiguration {
    /// What the logs may show of the webhook URL: its host and port, or `unknown` when they cannot be told apart
    /// from credentials. Never a user name, password, path, query or fragment.
    public var loggableHost: String {
        url.flatMap(Self.loggableHost(of:)) ?? "unknown"
    }

    /// The host and port of `url` when nothing in them can be part of its credentials.
    ///
    /// The authority ends at the first `/`, `?` or `#` (RFC 3986, and libcurl reads it so), and credentials end
    /// at its `@`. A user name or password with one of those characters unencoded ends the authority early, so
    /// what looks like the host is in fact a piece of the credentials: `https://user:pa?ss@host/` has authority
    /// `user:pa`, and `https://tok/en@host/` has `tok`. Such an authority has no `@`, and an `@` comes after it; so
    /// when an authority without `@` is followed by one anywhere in the URL, the host is not shown. That hides the
    /// host of an honest URL with an `@` in its path or query too, which is the price of never leaking.
    static func loggableHost(of url: String) -> String? {
        guard let host = hostAndPort(of: url), let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if !authority.contains("@") && rest[authority.endIndex...].contains("@") { return nil }
        return host
    }

    /// The `host[:port]` of an `http(s)://` URL's authority, or `nil` when the authority is not
    /// `[credentials@]host[:port]` with a valid host (a name, an IPv4 address or a bracketed IPv6 address) and a
    /// numeric port.
    static func hostAndPort(of url: String) -> String? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let parts = authority.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let hostAndPort = parts.last else { return nil }
        var host = hostAndPort
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let after = host[host.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return nil }
                port = after.dropFirst()
            }
        } else {
            if let colon = host.lastIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            // Letters beyond ASCII too: libcurl converts international names.
            let isNameCharacter = { (character: Character) in
                character.isLetter || character.isNumber || "-._~%".contains(character)
            }
            guard !host.isEmpty, host.allSatisfy(isNameCharacter) else { return nil }
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else {
                return nil
            }
        }
        return String(hostAndPort)
    }
}
