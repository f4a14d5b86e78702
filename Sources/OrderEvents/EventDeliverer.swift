import CurlHTTP
import FoundationEssentials
public import OrderDomain
import OrderHTTP
public import OrderStore
import StructuredLog
import SystemSupport
public import Timestamps

/// Posts an order's pending events to the webhook, oldest first, and records each outcome in the order's document.
///
/// - One order's events go out in version order: the first pending event that fails, or is not due yet, holds back
///   every later one. A per-order delivery lock keeps two processes from delivering the same order at once.
/// - Any 2xx is delivered. 410 means the endpoint is gone: the event goes to the dead letters at once. Otherwise
///   the event is retried on the ``RetrySchedule`` (429 and 503 after their `Retry-After` instead, up to 24 hours),
///   and after the last attempt it goes to the dead letters with its last error.
/// - Retries keep the event id and are signed again with a fresh timestamp.
public struct EventDeliverer {
    let store: any OrderDocumentStore & EventOutbox
    let configuration: WebhookConfiguration
    let url: String
    let transport: any WebhookTransport
    /// Where each attempt's outcome is recorded for the deliveries after a response, or `nil` for nowhere.
    let health: WebhookHealth?
    let now: () -> Timestamp
    var random: any RandomNumberGenerator

    /// A deliverer for `configuration`, which must name a URL. With `health`, every attempt marks the webhook
    /// unhealthy when it times out and clears the mark otherwise; the deliverer itself attempts regardless (whoever
    /// calls it decides whether to, with ``WebhookHealth/verdict(urlHost:probeMilliseconds:now:)``).
    public init(
        store: any OrderDocumentStore & EventOutbox, configuration: WebhookConfiguration,
        transport: any WebhookTransport,
        health: WebhookHealth? = nil, now: @escaping () -> Timestamp = { .now() },
        random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    ) {
        self.store = store
        self.configuration = configuration
        url = configuration.url ?? ""
        self.transport = transport
        self.health = health
        self.now = now
        self.random = random
    }

    /// The most of a webhook's reply body read: only its status and headers count, so the rest is not read at
    /// all, and a receiver answering with a huge body costs neither memory nor time.
    static let replyBodyLimit = 1024

    /// What one call delivered.
    public struct Report: Sendable, Equatable, Encodable {
        public var delivered = 0
        public var failed = 0
        public var deadLettered = 0
        /// Another process was delivering this order's events.
        public var busy = false
        /// When the order's oldest event still pending afterwards occurred; `nil` when none is pending, or when
        /// another process was delivering them (``busy``).
        public var oldestPendingAt: Timestamp?

        /// An empty report: nothing delivered yet.
        public init() {}

        enum CodingKeys: String, CodingKey {
            case delivered, failed
            case deadLettered = "dead_lettered"
        }
    }

    /// Delivers the due events of one order, waiting at most `milliseconds` for another delivery of it to end.
    public mutating func deliverDueEvents(of id: OrderID, waitingAtMost milliseconds: Int) throws -> Report {
        var report = Report()
        let finished: Bool? = try store.withDeliveryLock(id, waitingAtMost: milliseconds) {
            while case .due(let event, let order) = try oldestPendingEvent(of: id, noting: &report) {
                let outcome = attempt(event, order: order)
                try record(outcome, for: event, order: order, into: &report)
                // Still pending: it holds back the later events, and is the oldest that waits.
                if outcome.state == .pending { break }
            }
            return true
        }
        report.busy = finished == nil
        return report
    }

    /// The oldest pending event of an order, as ``oldestPendingEvent(of:noting:)`` finds it.
    private enum PendingEvent {
        /// It is due now; here with the order it belongs to.
        case due(OrderEvent, Order)
        /// Its next attempt is later.
        case waiting
        /// The order has no pending event.
        case none
    }

    /// The oldest pending event of the order, due now or not; its time goes into `report`.
    ///
    /// An order that does not exist has none: its outbox hint was left by a create that never committed.
    private func oldestPendingEvent(of id: OrderID, noting report: inout Report) throws -> PendingEvent {
        // An update that changes nothing clears a stale outbox hint; reading through it costs the same as a get.
        let found: (OrderEvent, Order)?
        do {
            found = try store.update(id) { document -> (OrderEvent, Order)? in
                document.events.first(where: { $0.delivery.state == .pending }).map { ($0, document.order) }
            }
        } catch let error as OrderError where error.code == .orderNotFound {
            found = nil
        }
        report.oldestPendingAt = found?.0.occurredAt
        guard let (event, order) = found else { return .none }
        guard (event.delivery.nextAttemptAt ?? now()) <= now() else { return .waiting }
        return .due(event, order)
    }

    /// One delivery attempt, and the delivery state it leads to.
    private mutating func attempt(_ event: OrderEvent, order: Order) -> EventDelivery {
        let body = CloudEvent(event, currentOrder: order, source: configuration.source).encoded()
        let sentAt = now()
        var headers = [
            (name: "Content-Type", value: CloudEvent.contentType), (name: "User-Agent", value: "order-service"),
            (name: "webhook-id", value: event.id),
        ]
        if let key = configuration.signingKey {
            let timestamp = sentAt.millisecondsSinceEpoch / 1000
            headers.append((name: "webhook-timestamp", value: String(timestamp)))
            headers.append(
                (
                    name: "webhook-signature",
                    value: WebhookSignature.sign(id: event.id, timestamp: timestamp, body: body, key: key)
                ))
        }

        let started = Timestamp.monotonicNanoseconds()
        let result = transport.send(
            HTTPRequest(
                method: "POST", url: url, headers: headers, body: body,
                timeoutMilliseconds: configuration.timeoutMilliseconds, replyBodyLimit: Self.replyBodyLimit))
        let duration = Double(Timestamp.monotonicNanoseconds() - started) / 1_000_000

        var delivery = event.delivery
        delivery.attempts += 1
        let time = now()
        health?.record(
            timedOut: result.failureCode == "timeout", error: result.failureDescription ?? "",
            urlHost: configuration.loggableHost, now: time)
        switch result {
        case .success(let reply) where (200..<300).contains(reply.status):
            delivery.state = .delivered
            delivery.deliveredAt = time
            delivery.nextAttemptAt = nil
            delivery.lastStatus = reply.status
            delivery.lastError = nil
        case .success(let reply):
            delivery.lastStatus = reply.status
            delivery.lastError = "HTTP \(reply.status)"
            if reply.status == 410 {
                delivery.state = .dead
                delivery.lastError = "HTTP 410: the endpoint is gone"
                delivery.nextAttemptAt = nil
            } else {
                schedule(
                    &delivery, at: time,
                    retryAfter: [429, 503].contains(reply.status) ? reply.headers["retry-after"] : nil)
            }
        case .failure(let error):
            delivery.lastStatus = nil
            delivery.lastError = error.description
            schedule(&delivery, at: time, retryAfter: nil)
        }

        FunctionLog.write(
            "webhook_delivery", level: delivery.state == .delivered ? "info" : "warning",
            fields: AttemptLog(
                eventID: event.id, orderID: event.orderID.rawValue, urlHost: configuration.loggableHost,
                httpStatus: (try? result.get())?.status, curlError: result.failureCode, durationMilliseconds: duration,
                attempt: delivery.attempts, outcome: delivery.state.rawValue,
                nextAttemptAt: delivery.nextAttemptAt?.description),
            metrics: Metric.webhookAttempt(leadingTo: delivery.state, milliseconds: duration))
        return delivery
    }

    /// Sets the next attempt after a failure, or gives up when the schedule is exhausted.
    private mutating func schedule(_ delivery: inout EventDelivery, at time: Timestamp, retryAfter: String?) {
        guard
            var next = configuration.retrySchedule.nextAttempt(
                afterAttempts: delivery.attempts, now: time, using: &random)
        else {
            delivery.state = .dead
            delivery.nextAttemptAt = nil
            return
        }
        if let retryAfter, let wait = Self.milliseconds(retryAfter: retryAfter, now: time) {
            next = time.adding(milliseconds: min(wait, RetrySchedule.longestRetryAfter))
        }
        delivery.state = .pending
        delivery.nextAttemptAt = next
    }

    /// Stores the outcome in the document; a dead event is copied to the dead letters first. (The store enters a
    /// delivered one in its index of delivered events as it commits the document.)
    private func record(_ delivery: EventDelivery, for event: OrderEvent, order: Order, into report: inout Report)
        throws
    {
        if delivery.state == .dead {
            var dead = event
            dead.delivery = delivery
            let letter = DeadLetter(
                event: CloudEvent(event, currentOrder: order, source: configuration.source), delivery: delivery,
                deadAt: now().description)
            try store.storeDeadLetter(letter.encoded(), eventID: event.id)
        }
        try store.update(event.orderID) { document in
            guard let index = document.events.firstIndex(where: { $0.id == event.id }) else { return }
            document.events[index].delivery = delivery
        }
        switch delivery.state {
        case .delivered: report.delivered += 1
        case .dead: report.deadLettered += 1
        case .pending: report.failed += 1
        }
    }

    /// `Retry-After` as seconds or as an HTTP date, in milliseconds from `now`.
    static func milliseconds(retryAfter value: String, now: Timestamp) -> Int64? {
        if let seconds = Int64(value.filter { $0 != " " }), seconds >= 0 { return seconds * 1000 }
        guard let date = Timestamp(httpDate: value) else { return nil }
        return max(0, date.millisecondsSinceEpoch - now.millisecondsSinceEpoch)
    }
}

/// An event that will never be delivered, kept for inspection and replay.
struct DeadLetter: JSONWritable {
    var event: CloudEvent
    var delivery: EventDelivery
    var deadAt: String

    func writeJSON(into json: inout JSONWriter) {
        json.object { json in
            json.field("dead_at", deadAt)
            json.field("delivery", delivery)
            json.field("event", event)
        }
    }

    func encoded() -> [UInt8] {
        Array(JSONBody.encode(self).utf8)
    }
}

/// The log line of one delivery attempt. Never the secret, the body or the URL's path.
struct AttemptLog: LogFields {
    var eventID: String
    var orderID: String
    var urlHost: String
    var httpStatus: Int?
    var curlError: String?
    var durationMilliseconds: Double
    var attempt: Int
    var outcome: String
    var nextAttemptAt: String?

    func write(to json: inout JSONWriter) {
        json.field("event_id", eventID)
        json.field("order_id", orderID)
        json.field("url_host", urlHost)
        json.fieldIfPresent("http_status", httpStatus)
        json.fieldIfPresent("curl_error", curlError)
        json.field("duration_ms", durationMilliseconds)
        json.field("attempt", attempt)
        json.field("outcome", outcome)
        json.fieldIfPresent("next_attempt_at", nextAttemptAt)
    }
}

extension Result where Failure == HTTPTransportError {
    fileprivate var failureCode: String? {
        if case .failure(let error) = self { return error.code }
        return nil
    }

    fileprivate var failureDescription: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
