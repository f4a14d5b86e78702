public import SystemSupport

/// How long idempotency keys are kept and how long a request may hold one.
public struct IdempotencySettings: Equatable, Sendable {
    /// How long a key is remembered after its first use (`ORDER_IDEMPOTENCY_TTL_SECONDS`, default 24 hours).
    public var timeToLiveSeconds: Int64
    /// How long a request holds its key before another may take it over, presuming it dead
    /// (`ORDER_IDEMPOTENCY_LEASE_SECONDS`, default 60 s: longer than any function may run).
    public var leaseSeconds: Int64

    /// Settings as given, in seconds, unchecked: at zero or less, every key is forgotten, or every lease runs out,
    /// at once. ``fromEnvironment()`` refuses such values.
    public init(timeToLiveSeconds: Int64 = 86_400, leaseSeconds: Int64 = 60) {
        self.timeToLiveSeconds = timeToLiveSeconds
        self.leaseSeconds = leaseSeconds
    }

    /// A setting that is not a positive whole number of seconds.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// The settings from the environment, defaults for what is not set.
    ///
    /// - Throws: ``Invalid`` when a variable is set to anything but a positive whole number.
    public static func fromEnvironment(_ environment: Environment = .process) throws -> IdempotencySettings {
        func seconds(_ name: String, default value: Int64) throws -> Int64 {
            guard let raw = environment.nonEmpty(name) else { return value }
            guard let number = Int64(raw), number > 0 else {
                throw Invalid(description: "\(name) must be a positive whole number of seconds, not '\(raw)'")
            }
            return number
        }
        return IdempotencySettings(
            timeToLiveSeconds: try seconds("ORDER_IDEMPOTENCY_TTL_SECONDS", default: 86_400),
            leaseSeconds: try seconds("ORDER_IDEMPOTENCY_LEASE_SECONDS", default: 60))
    }
}
