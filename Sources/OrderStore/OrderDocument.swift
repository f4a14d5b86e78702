public import OrderDomain
public import SystemSupport
public import Timestamps

/// What the store keeps for one order: the order and its events, one JSON document written as a whole.
///
/// Keeping the events in the order's own document is the transactional outbox: a change and its event are
/// committed by the same atomic write, so no crash can separate them.
public struct OrderDocument: Equatable, Sendable {
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

    /// Reads a stored document of any schema version up to ``currentSchemaVersion``; orders stored before orders had
    /// a currency are in `defaultCurrency`.
    ///
    /// - Throws: ``Unreadable``: ``Unreadable/unsupportedSchema(_:)`` for a document written by a newer version of
    ///   the service, which the store reports as `unsupported_schema` rather than `corrupt_document`.
    public init(stored bytes: [UInt8], defaultCurrency: Currency) throws(Unreadable) {
        let json = try Self.fields(of: bytes)
        do throws(JSONObject.Mismatch) {
            order = try Order(stored: json.object("order"), defaultCurrency: defaultCurrency)
            events = try json.objects("events", OrderEvent.init(stored:))
            idempotencyKey = try json.optionalString("idempotency_key").flatMap { IdempotencyKeyDigest(hex: $0) }
        } catch {
            throw .mismatch(error)
        }
    }

    /// The order of a stored document without its events, which a read of the order alone need not decode.
    struct OrderOnly {
        var order: Order

        /// Reads the order of a stored document; throws ``Unreadable`` as ``OrderDocument/init(stored:defaultCurrency:)``.
        init(stored bytes: [UInt8], defaultCurrency: Currency) throws(Unreadable) {
            let json = try OrderDocument.fields(of: bytes)
            do throws(JSONObject.Mismatch) {
                order = try Order(stored: json.object("order"), defaultCurrency: defaultCurrency)
            } catch {
                throw .mismatch(error)
            }
        }
    }

    /// The document's bytes at ``currentSchemaVersion``: the JSON text `JSONEncoder` wrote with sorted keys, so a
    /// rewrite without a change is visible as none.
    public func encoded() -> [UInt8] {
        var json = JSONWriter()
        json.object { json in
            json.field("events", events)
            json.fieldIfPresent("idempotency_key", idempotencyKey?.hex)
            json.field("order", order)
            json.field("schema_version", Self.currentSchemaVersion)
        }
        return json.bytes
    }

    /// Why stored bytes are not a document this version reads.
    public enum Unreadable: Error, CustomStringConvertible {
        /// The bytes are not JSON.
        case notJSON(SystemSupport.JSONValue.Invalid)
        /// The JSON is not a document: a field is missing, of the wrong type or not a valid value.
        case mismatch(JSONObject.Mismatch)
        /// A newer version of the service wrote the document, at this `schema_version`.
        case unsupportedSchema(Int)

        /// What is wrong, for the store's error message.
        public var description: String {
            switch self {
            case .notJSON(let error): error.description
            case .mismatch(let error): error.description
            case .unsupportedSchema(let version): "schema_version \(version) is newer than this service"
            }
        }
    }

    /// The document's fields, once its `schema_version` is known to be one this version reads.
    fileprivate static func fields(of bytes: [UInt8]) throws(Unreadable) -> JSONObject {
        let value: SystemSupport.JSONValue
        do {
            value = try SystemSupport.JSONValue.parse(bytes)
        } catch {
            throw .notJSON(error)
        }
        let json: JSONObject
        let version: Int
        do throws(JSONObject.Mismatch) {
            json = try JSONObject(value)
            version = try json.int("schema_version")
        } catch {
            throw .mismatch(error)
        }
        guard version <= currentSchemaVersion else { throw .unsupportedSchema(version) }
        return json
    }
}
