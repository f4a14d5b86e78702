public import OrderDomain
public import Timestamps

/// What the store keeps for one `Idempotency-Key`: which order the request creates, and once it has finished,
/// the answer to replay.
public struct IdempotencyRecord: Codable, Equatable, Sendable {
    /// Whether the request that holds the key is still running.
    public enum State: String, Codable, Sendable {
        /// A request holds the key; ``IdempotencyRecord/leaseExpiresAt`` says until when.
        case inProgress = "in_progress"
        /// The request finished; ``IdempotencyRecord/response`` is its answer.
        case completed
    }

    /// The answer of the first request, as it was sent.
    public struct StoredResponse: Codable, Equatable, Sendable {
        /// The HTTP status.
        public var statusCode: Int
        /// The headers, as sent (`Location`, `ETag`, `Content-Type`).
        public var headers: [String: String]
        /// The body, as sent.
        public var body: String

        enum CodingKeys: String, CodingKey {
            case statusCode = "status_code"
            case headers, body
        }

        /// The answer as it was sent.
        public init(statusCode: Int, headers: [String: String], body: String) {
            self.statusCode = statusCode
            self.headers = headers
            self.body = body
        }
    }

    /// A digest of the request body: a later request with the same key must have the same one.
    public var fingerprint: String
    /// The order the request creates, chosen before anything is written, so that a takeover after a crash
    /// creates that same order or finds it.
    public var orderID: OrderID
    /// Whether the request is still running or has its answer.
    public var state: State
    /// When the key was first used; the record is forgotten a time to live after this.
    public var createdAt: Timestamp
    /// While in progress: after this moment the request is presumed dead and another may take the key over.
    public var leaseExpiresAt: Timestamp?
    /// Which attempt holds the lease, so that an attempt that lost it does not overwrite its successor.
    public var owner: String
    /// Once completed: the answer to replay.
    public var response: StoredResponse?

    enum CodingKeys: String, CodingKey {
        case fingerprint
        case orderID = "order_id"
        case state
        case createdAt = "created_at"
        case leaseExpiresAt = "lease_expires_at"
        case owner, response
    }

    /// A record as given; the store keeps it as it is.
    public init(
        fingerprint: String, orderID: OrderID, state: State, createdAt: Timestamp, leaseExpiresAt: Timestamp?,
        owner: String, response: StoredResponse? = nil
    ) {
        self.fingerprint = fingerprint
        self.orderID = orderID
        self.state = state
        self.createdAt = createdAt
        self.leaseExpiresAt = leaseExpiresAt
        self.owner = owner
        self.response = response
    }
}

/// The name under which an idempotency key is stored: a SHA-256 digest of the key, as 64 lower-case hex digits.
///
/// Keys are hashed by the caller, so that any key (up to 255 characters of any visible ASCII) becomes a short,
/// safe file name. Only valid digests can be constructed.
public struct IdempotencyKeyDigest: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    /// Accepts exactly 64 lower-case hex digits.
    public init?(hex: String) {
        let valid =
            hex.utf8.count == 64
            && hex.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
        guard valid else { return nil }
        self.hex = hex
    }

    /// The 64 hex digits.
    public var description: String { hex }
}
