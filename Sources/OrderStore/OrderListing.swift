public import OrderDomain
public import Timestamps

/// Orders a page at a time, by creation time and then id, filtered.
public protocol OrderListing: Sendable {
    /// One page of the orders that match `filter`, ordered by creation time and then id, starting strictly after
    /// `position` (from the start when `nil`), at most `limit` orders (at least 1).
    ///
    /// Resuming from ``OrderPage/next`` neither skips nor repeats an order that existed, unchanged, for the whole
    /// walk, whatever is created or updated meanwhile. The file store finds candidates through its indexes, so a
    /// page costs in proportion to the index entries it reads, not to the orders stored; every candidate is checked
    /// against its document, so a stale or damaged index makes a listing slower, never wrong.
    /// - Throws: ``StoreError`` if the store fails or a candidate's document cannot be read.
    func list(_ filter: OrderFilter, after position: OrderListPosition?, limit: Int) throws -> OrderPage
}

/// Which orders a listing returns: every condition that is set must hold.
public struct OrderFilter: Equatable, Sendable {
    /// Orders at this status.
    public var status: OrderStatus?
    /// Compared case-insensitively with the shipping address's city.
    public var shippingCity: String?
    /// Compared case-insensitively with the shipping address's country.
    public var shippingCountry: String?
    /// Orders created at or after this moment.
    public var createdFrom: Timestamp?
    /// Orders created strictly before this moment.
    public var createdBefore: Timestamp?
    /// Orders of the customer with exactly this id.
    public var customerID: String?

    /// A filter with the conditions that are set; with none, every order matches.
    public init(
        status: OrderStatus? = nil, shippingCity: String? = nil, shippingCountry: String? = nil,
        createdFrom: Timestamp? = nil, createdBefore: Timestamp? = nil, customerID: String? = nil
    ) {
        self.status = status
        self.shippingCity = shippingCity
        self.shippingCountry = shippingCountry
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.customerID = customerID
    }

    /// Whether `order` meets every condition.
    public func matches(_ order: Order) -> Bool {
        if let status, order.status != status { return false }
        if let shippingCity, Self.fold(order.shippingAddress.city) != Self.fold(shippingCity) { return false }
        if let shippingCountry, Self.fold(order.shippingAddress.country) != Self.fold(shippingCountry) { return false }
        if let createdFrom, order.createdAt < createdFrom { return false }
        if let createdBefore, !(order.createdAt < createdBefore) { return false }
        if let customerID, order.customer?.id != customerID { return false }
        return true
    }

    /// The form in which cities and countries are compared and indexed: lower case.
    static func fold(_ text: String) -> String {
        text.lowercased()
    }
}

/// A place in the order of listings: by creation time, then by id. Both never change, so a listing resumed
/// from a position neither skips nor repeats an order that existed before it started.
public struct OrderListPosition: Hashable, Comparable, Sendable {
    /// The creation time of the order at this position.
    public var createdAt: Timestamp
    /// The id of the order at this position, which orders orders created in the same millisecond.
    public var id: OrderID

    /// The position of an order created at `createdAt` with `id`.
    public init(createdAt: Timestamp, id: OrderID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The position of `order`.
    public init(of order: Order) {
        self.init(createdAt: order.createdAt, id: order.id)
    }

    /// Listing order: by creation time, then by id.
    public static func < (lhs: OrderListPosition, rhs: OrderListPosition) -> Bool {
        (lhs.createdAt, lhs.id) < (rhs.createdAt, rhs.id)
    }
}

/// One page of a listing.
public struct OrderPage: Equatable, Sendable {
    /// The orders of the page, in listing order.
    public var documents: [OrderDocument]
    /// Where the next page starts (pass it as `after`), or `nil` when this is the last page.
    public var next: OrderListPosition?
    /// The orders the page met but could not list, in listing order. They count towards the page's limit, so a page
    /// of them still ends, and ``next`` goes past them.
    public var skipped: [SkippedOrder]

    /// A page of `documents`, followed by the page after `next` (`nil` on the last page).
    public init(documents: [OrderDocument], next: OrderListPosition?, skipped: [SkippedOrder] = []) {
        self.documents = documents
        self.next = next
        self.skipped = skipped
    }
}

/// An order a listing met and could not list, so that the listing can say so and go on past it.
public struct SkippedOrder: Equatable, Sendable {
    /// Why it is not on the page.
    public enum Reason: String, Equatable, Sendable {
        /// Its document cannot be read (it does not parse, holds another order, or the store failed to read it).
        /// Reading the order by its id fails the same way, until someone repairs the document.
        case unreadable
        /// It is larger than a listing's answer may be; it can still be read by its id.
        case tooLarge = "too_large"
    }

    /// Where it is in the listing: an unreadable order is known by its index entry, not by its document.
    public var position: OrderListPosition
    public var reason: Reason
    /// What went wrong, naming the file: for the log, never for clients.
    public var error: String

    /// The order at `position`, not listed for `reason`; `error` names the file, for the log.
    public init(position: OrderListPosition, reason: Reason, error: String) {
        self.position = position
        self.reason = reason
        self.error = error
    }
}

extension Array where Element == OrderDocument {
    /// The page of `limit` documents after `position` among these, which must all match the listing's filter.
    func page(after position: OrderListPosition?, limit: Int) -> OrderPage {
        let sorted = map { (OrderListPosition(of: $0.order), $0) }
            .filter { entry in position.map { $0 < entry.0 } ?? true }
            .sorted { $0.0 < $1.0 }
        let documents = sorted.prefix(limit).map(\.1)
        let next = sorted.count > limit ? sorted[limit - 1].0 : nil
        return OrderPage(documents: documents, next: next)
    }
}
