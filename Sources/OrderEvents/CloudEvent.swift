import FoundationEssentials
public import OrderDomain
import OrderHTTP
import Timestamps

/// An order event as a CloudEvents 1.0 JSON document (structured mode), the body of every webhook request.
///
/// ```json
/// {"specversion":"1.0","id":"evt_…","source":"/order-service","type":"order_status_updated","subject":"2",
///  "time":"2026-11-25T09:31:00.000Z","datacontenttype":"application/json",
///  "data":{"order_id":"2","status":"confirmed","previous_status":"pending_confirmation","version":2,"actor":"alice",
///           "order":{…}}}
/// ```
public struct CloudEvent: Encodable, Sendable {
    /// The media type of a structured-mode CloudEvent, sent as the webhook's `Content-Type`.
    public static let contentType = "application/cloudevents+json"

    let specversion = "1.0"
    let id: String
    let source: String
    let type: String
    let subject: String
    let time: String
    let datacontenttype = "application/json"
    let data: Payload

    struct Payload: Encodable {
        var orderID: OrderID
        var status: OrderStatus
        var previousStatus: OrderStatus?
        /// Why the order was cancelled, in `order_cancelled` events only.
        var reason: Cancellation.Reason?
        var version: Int
        /// Who made the change, as its `status_history` entry records it; `null` when no authorizer ran.
        var actor: String?
        var order: Order

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case status
            case previousStatus = "previous_status"
            case reason, version, actor, order
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(orderID, forKey: .orderID)
            try container.encode(status, forKey: .status)
            try container.encode(previousStatus, forKey: .previousStatus)  // null for order_added, not absent
            try container.encodeIfPresent(reason, forKey: .reason)
            try container.encode(version, forKey: .version)
            try container.encode(actor, forKey: .actor)  // null when unattributed, not absent
            try container.encode(order, forKey: .order)
        }
    }

    /// The CloudEvent for `event`, carrying the order as it stood right after the event's change.
    public init(_ event: OrderEvent, currentOrder: Order, source: String) {
        id = event.id
        self.source = source
        type = event.type.rawValue
        subject = event.orderID.rawValue
        time = event.occurredAt.description
        let order = currentOrder.asOf(version: event.version)
        data = Payload(
            orderID: event.orderID, status: event.status, previousStatus: event.previousStatus, reason: event.reason,
            version: event.version, actor: order.statusHistory.last?.actor, order: order)
    }

    /// The JSON bytes sent as the request body.
    public func encoded() -> [UInt8] {
        Array(JSONBody.encode(self).utf8)
    }
}
