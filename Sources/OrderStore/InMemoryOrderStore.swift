public import OrderDomain
import Synchronization

/// An ``OrderRepository`` in memory, for tests and tools. Same rules as ``FileOrderStore``, no durability.
public final class InMemoryOrderStore: OrderRepository {
    private let documents = Mutex<[OrderID: OrderDocument]>([:])

    public init() {}

    public func create(_ document: OrderDocument) throws {
        try documents.withLock { documents in
            guard documents[document.order.id] == nil else { throw OrderError.exists(document.order.id) }
            documents[document.order.id] = document
        }
    }

    public func get(_ id: OrderID) throws -> OrderDocument? {
        documents.withLock { $0[id] }
    }

    public func update<Result>(_ id: OrderID, _ change: (inout OrderDocument) throws -> Result) throws -> Result {
        try documents.withLock { documents in
            guard var document = documents[id] else { throw OrderError.notFound(id) }
            let result = try change(&document)
            documents[id] = document
            return result
        }
    }
}
