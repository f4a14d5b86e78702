public import OrderDomain

/// What the store keeps for one order: one JSON document, written and replaced as a whole.
public struct OrderDocument: Codable, Equatable, Sendable {
    /// The document layout this version of the service reads and writes.
    public static let currentSchemaVersion = 1

    public var order: Order

    public init(order: Order) {
        self.order = order
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case order
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .schemaVersion)
        guard version <= Self.currentSchemaVersion else {
            throw UnsupportedSchema(version: version)
        }
        order = try container.decode(Order.self, forKey: .order)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.currentSchemaVersion, forKey: .schemaVersion)
        try container.encode(order, forKey: .order)
    }

    struct UnsupportedSchema: Error {
        var version: Int
    }
}
