public import OrderDomain
import OrderHTTP
public import SystemSupport
import Timestamps

/// An order event as a CloudEvents 1.0 JSON document (structured mode), the body of every webhook request.
///
/// ```json
/// {"specversion":"1.0","id":"evt_…","source":"/order-service","type":"order_status_updated","subject":"2",
///  "time":"2026-11-25T09:31:00.000Z","datacontenttype":"application/json",
///  "data":{"order_id":"2","status":"confirmed","previous_status":"pending_confirmation","version":2,"actor":"alice",
///           "order":{…}}}
/// ```
public struct CloudEvent: JSONWritable, Sendable {
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

    struct Payload: JSONWritable {
        var orderID: OrderID
        var status: OrderStatus
        var previousStatus: OrderStatus?
        /// Why the order was cancelled, in `order_cancelled` events only.
        var reason: Cancellation.Reason?
        var version: Int
        /// Who made the change, as its `status_history` entry records it; `null` when no authorizer ran.
        var actor: String?
        var order: Order

        func writeJSON(into json: inout JSONWriter) {
            json.object { json in
                json.field("actor", actor)  // null when unattributed, not absent
                json.field("order", order)
                json.field("order_id", orderID.rawValue)
                json.field("previous_status", previousStatus?.rawValue)  // null for order_added, not absent
                json.fieldIfPresent("reason", reason?.rawValue)
                json.field("status", status.rawValue)
                json.field("version", version)
            }
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

    /// Writes the event, its fields in the order of their names.
    public func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("data", data)
            json.field("datacontenttype", datacontenttype)
            json.field("id", id)
            json.field("source", source)
            json.field("specversion", specversion)
            json.field("subject", subject)
            json.field("time", time)
            json.field("type", type)
        }
    }

    /// The JSON bytes sent as the request body.
    public func encoded() -> [UInt8] {
        Array(JSONBody.encode(self).utf8)
    }
}
