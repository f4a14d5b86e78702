#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Environment variables, as every configuration of the service reads them: the process's, or a literal in a test.
///
/// Configuration types take one (`WebhookConfiguration.fromEnvironment(Environment(["ORDER_WEBHOOK_URL": "…"]))`) with
/// ``process`` as the default, and read it once, when they are built at start-up; nothing else in the service
/// reads the environment.
public struct Environment: Sendable {
    /// The variables given, or `nil` for the process's own, looked up one by one with `getenv`: a function process
    /// reads a handful of them at every start, and copying the whole environment into a dictionary first cost more.
    private let variables: [String: String]?

    /// The process environment.
    public static let process = Environment(variables: nil)

    /// An environment of exactly `variables`.
    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    private init(variables: [String: String]?) {
        self.variables = variables
    }

    /// The value of a variable, `nil` when it is unset (an empty value is returned as it is).
    public subscript(name: String) -> String? {
        guard let variables else { return getenv(name).map { String(cString: $0) } }
        return variables[name]
    }

    /// The value of a variable, or `nil` when it is unset or empty (an empty variable counts as unset).
    public func nonEmpty(_ name: String) -> String? {
        self[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
