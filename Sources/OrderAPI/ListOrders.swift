public import FunctionRuntime
import OrderDomain
public import OrderStore

/// `GET /orders`: the orders matching the query's filters, oldest first, a page at a time.
///
/// Answers `{"orders": [...], "next_cursor": "..." | null}`; see ``OrderListQuery`` for the parameters.
public struct ListOrders: OrderFunction {
    let listing: any OrderListing

    /// Lists from `context.store`.
    public init(context: OrderServiceContext<some OrderListing>) {
        listing = context.store
    }

    public func answer(_ request: FunctionRequest) throws -> FunctionResponse {
        let query = try OrderListQuery(parameters: request.queryParameters)
        let page = try listing.list(query.filter, after: query.after, limit: query.limit)
        let body = Page(orders: page.documents.map(\.order), nextCursor: page.next.map(OrderListQuery.cursor(after:)))
        return FunctionResponse(
            statusCode: 200, headers: ["Content-Type": "application/json"], body: JSONBody.encode(body))
    }

    struct Page: Encodable {
        var orders: [Order]
        var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case orders
            case nextCursor = "next_cursor"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(orders, forKey: .orders)
            // Written as null on the last page, so that clients can test for it.
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }
}
