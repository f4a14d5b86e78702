public import OrderDomain
public import Timestamps

/// What the store keeps for one order: the order and its events, one JSON document written as a whole.
///
/// Keeping the events in the order's own document is the transactional outbox: a change and its event are
/// committed by the same atomic write, so no crash can separate them.
public struct OrderDocument: Codable, Equatable, Sendable {
    /// The document layout this version of the service writes; it reads every version up to this one.
    ///
    /// - 1: the first layout.
    /// - 2: orders gain `currency`, `customer`, `metadata`, `shipment`, `cancellation`, the status `cancelled` and
    ///   shipments in `status_history`; events gain `order_cancelled` and `reason`. A version 1 document reads as
    ///   an order in the default currency with none of the rest. Releases that know only version 1 refuse a
    ///   version 2 document (`unsupported_schema`) instead of rewriting it without what they do not know.
    public static let currentSchemaVersion = 2

    public var order: Order
    /// Every event of the order, oldest first, each with its delivery state.
    public var events: [OrderEvent]
    /// The digest of the `Idempotency-Key` of the request that created the order, if it sent one: a request that
    /// takes the key over after a crash recognises the order as its own by it.
    public var idempotencyKey: IdempotencyKeyDigest?

    /// The document of a new order, with its `order_added` event.
    public init(newOrder order: Order, idempotencyKey: IdempotencyKeyDigest? = nil) {
        self.order = order
        events = [.added(order)]
        self.idempotencyKey = idempotencyKey
    }

    /// Moves the order to `status` on behalf of `actor` (see ``Order/advance(to:shipment:at:by:)``) and records
    /// its event (`order_status_updated`, or `order_cancelled`) if it really changed.
    ///
    /// - Returns: `true` if the order changed; `false` for a repeat of the current status (no event).
    /// - Throws: ``OrderError`` `invalid_transition`; nothing changes.
    @discardableResult
    public mutating func advance(
        to status: OrderStatus, shipment: Shipment? = nil, at time: Timestamp, by actor: String? = nil
    ) throws(OrderError) -> Bool {
        let previous = order.status
        guard try order.advance(to: status, shipment: shipment, at: time, by: actor) else { return false }
        events.append(.statusChanged(order, from: previous))
        return true
    }

    /// Cancels the order on behalf of `actor` (see ``Order/cancel(_:note:at:by:)``) and records the
    /// `order_cancelled` event if it really changed.
    ///
    /// - Returns: `true` if the order changed; `false` if it was cancelled already (no event).
    /// - Throws: ``OrderError`` `invalid_transition` once the order has shipped; nothing changes.
    @discardableResult
    public mutating func cancel(
        _ reason: Cancellation.Reason, note: String?, at time: Timestamp, by actor: String? = nil
    ) throws(OrderError) -> Bool {
        let previous = order.status
        guard try order.cancel(reason, note: note, at: time, by: actor) else { return false }
        events.append(.statusChanged(order, from: previous))
        return true
    }

    /// Whether any event still waits for delivery.
    public var hasPendingEvents: Bool {
        events.contains { $0.delivery.state == .pending }
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case order, events
        case idempotencyKey = "idempotency_key"
    }

    /// Reads a stored document of any schema version up to ``currentSchemaVersion``.
    ///
    /// - Throws: for a document written by a newer version of the service, an error the store reports as
    ///   `unsupported_schema` rather than `corrupt_document`; `DecodingError` for anything else unreadable.
    public init(from decoder: any Decoder) throws {
        let container = try Self.container(decoder)
        order = try container.decode(Order.self, forKey: .order)
        events = try container.decode([OrderEvent].self, forKey: .events)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey).flatMap {
            IdempotencyKeyDigest(hex: $0)
        }
    }

    /// Writes the document at ``currentSchemaVersion``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.currentSchemaVersion, forKey: .schemaVersion)
        try container.encode(order, forKey: .order)
        try container.encode(events, forKey: .events)
        try container.encodeIfPresent(idempotencyKey?.hex, forKey: .idempotencyKey)
    }

    struct UnsupportedSchema: Error {
        var version: Int
    }

    /// The document's fields, once its `schema_version` is known to be one this version reads.
    private static func container(_ decoder: any Decoder) throws -> KeyedDecodingContainer<CodingKeys> {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .schemaVersion)
        guard version <= currentSchemaVersion else {
            throw UnsupportedSchema(version: version)
        }
        return container
    }

    /// The order of a stored document without its events, which a read of the order alone need not decode.
    struct OrderOnly: Decodable {
        var order: Order

        init(from decoder: any Decoder) throws {
            order = try OrderDocument.container(decoder).decode(Order.self, forKey: .order)
        }
    }
}
