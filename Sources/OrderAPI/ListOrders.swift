public import FunctionRuntime
import OrderDomain
public import OrderHTTP
public import OrderStore
import StructuredLog

/// `GET /orders`: the orders matching the query's filters, oldest first, a page at a time.
///
/// Answers `{"next_cursor": "..." | null, "orders": [...]}`, with `"skipped_orders": [{"id", "reason"}]` when the
/// page met orders it cannot list; see ``OrderListQuery`` for the parameters.
///
/// A page stops early, with its `next_cursor`, before its answer would pass ``answerBudget``: so no set of stored
/// orders can make a listing larger than a function may answer (6 MB on Lambda, for the whole proxy response).
public struct ListOrders: OrderFunction {
    let listing: any OrderListing

    /// The most bytes a page's body may take once written into the proxy response (where each `"` and `\` takes
    /// two): 4 MiB, well under Lambda's 6 MB for the whole response, headers and envelope included.
    ///
    /// An order is at most about 0.5 MB as the service accepts them (1,000 lines, 64-character skus), so a page always
    /// holds at least one. An order too large to list alone (only a document edited by hand can be) is skipped
    /// with the reason `too_large`, and the page goes on; it can still be read at `/order/{id}`.
    public static let answerBudget = 4 << 20

    /// Lists from `context.store`.
    public init(context: OrderServiceContext<some OrderListing>) {
        listing = context.store
    }

    /// Answers one page of orders, newest first, with the cursor of the next; bad parameters are 400
    /// `validation_failed` naming them.
    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let query = try OrderListQuery(parameters: request.queryParameters)
        let page = try listing.list(query.filter, after: query.after, limit: query.limit)
        var answer = PageAnswer()
        var documents = page.documents[...]
        var skipped = page.skipped[...]
        // The page's orders and skipped orders, merged in listing order, until the budget is spent.
        while let position = Self.earliest(documents.first, skipped.first) {
            if let skip = skipped.first, skip.position == position {
                guard answer.add(skip) else { break }
                skipped.removeFirst()
            } else {
                guard answer.add(documents.removeFirst().order) else { break }
            }
        }
        let stoppedEarly = !documents.isEmpty || !skipped.isEmpty
        let next = stoppedEarly ? answer.lastPosition : page.next
        for order in answer.skipped {
            FunctionLog.write(
                "order_skipped", level: "error",
                fields: [
                    "order_id": order.position.id.rawValue, "reason": order.reason.rawValue, "error": order.error,
                ])
        }
        return FunctionResponse(
            statusCode: 200, headers: ["Content-Type": "application/json"],
            body: answer.body(nextCursor: next.map(OrderListQuery.cursor(after:))))
    }

    private static func earliest(_ document: OrderDocument?, _ skipped: SkippedOrder?) -> OrderListPosition? {
        [document.map { OrderListPosition(of: $0.order) }, skipped?.position].compactMap { $0 }.min()
    }

    /// The body of a page, written one order at a time so that its size is known before each is kept.
    ///
    /// Written by hand around each order's own JSON, in the sorted-key layout ``JSONBody`` gives every answer: the
    /// cursor is base64url and ids are letters, digits, `_` and `-`, so neither needs escaping.
    struct PageAnswer {
        private(set) var orders: [String] = []
        private(set) var skipped: [SkippedOrder] = []
        private(set) var lastPosition: OrderListPosition?
        /// What the body costs so far, as written into the proxy response, with room for the envelope and cursor.
        private var size = 256

        /// Keeps `order` if it fits; `false` when the page must stop before it. An order that fits no page is
        /// skipped instead (and `true`).
        mutating func add(_ order: Order) -> Bool {
            let json = JSONBody.encode(order)
            let cost = Self.escapedSize(json) + 1
            if 256 + cost > ListOrders.answerBudget {
                return add(
                    SkippedOrder(
                        position: OrderListPosition(of: order), reason: .tooLarge,
                        error: "the order is \(json.utf8.count) bytes as JSON, more than a page may hold"))
            }
            guard size + cost <= ListOrders.answerBudget else { return false }
            size += cost
            orders.append(json)
            lastPosition = OrderListPosition(of: order)
            return true
        }

        /// Names a skipped order if it fits; `false` when the page must stop before it.
        mutating func add(_ order: SkippedOrder) -> Bool {
            let cost = 48 + order.position.id.rawValue.utf8.count
            guard size + cost <= ListOrders.answerBudget else { return false }
            size += cost
            skipped.append(order)
            lastPosition = order.position
            return true
        }

        func body(nextCursor: String?) -> String {
            var body = "{\"next_cursor\":" + (nextCursor.map { "\"\($0)\"" } ?? "null")
            body += ",\"orders\":[" + orders.joined(separator: ",") + "]"
            if !skipped.isEmpty {
                let entries = skipped.map {
                    "{\"id\":\"\($0.position.id.rawValue)\",\"reason\":\"\($0.reason.rawValue)\"}"
                }
                body += ",\"skipped_orders\":[" + entries.joined(separator: ",") + "]"
            }
            return body + "}"
        }

        /// The bytes `text` takes as a JSON string: each quote and backslash is escaped with one more.
        private static func escapedSize(_ text: String) -> Int {
            text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\"") || $1 == UInt8(ascii: "\\") ? 2 : 1) }
        }
    }
}
