/// A validated request to move an order to another status.
public struct StatusUpdate: Equatable, Sendable {
    public var id: OrderID
    public var status: OrderStatus
    /// The carrier and tracking, sent with `shipped` or `in_transit` only.
    public var shipment: Shipment?

    /// An update as given; ``init(json:pathID:)`` is the one that reads a request.
    public init(id: OrderID, status: OrderStatus, shipment: Shipment? = nil) {
        self.id = id
        self.status = status
        self.shipment = shipment
    }

    /// Reads `{"id": …, "status": …, "shipment": …}`, or the same without `id` when the id comes from the path.
    ///
    /// When both the path and the body name an id, they must agree. `status` `cancelled` is a cancellation for
    /// reason `other`.
    /// - Throws: ``OrderError`` `validation_failed` listing every problem.
    public init(json: JSONValue, pathID: String?) throws(OrderError) {
        var issues = FieldIssues()
        guard case .object(let body) = json else {
            throw .invalidFields([FieldIssue(field: "body", message: "must be a JSON object, not \(json.typeName)")])
        }

        var id: OrderID?
        if let pathID {
            id = OrderID.readPathParameter(pathID, into: &issues)
            let bodyID = OrderID.read(body["id"], field: "id", into: &issues)
            if let id, let bodyID, bodyID != id {
                issues.add(
                    "id", "the body names order '\(bodyID)' but the path names '\(id)'; leave id out of the body")
            }
        } else {
            id = OrderID.read(body["id"], field: "id", into: &issues)
            if body["id"] == nil || body["id"] == .null {
                issues.add("id", "is required: the id of the order to update")
            }
        }

        var status: OrderStatus?
        switch body["status"] {
        case .string(let name)?:
            status = OrderStatus(rawValue: name)
            if status == nil {
                issues.add("status", "must be one of \(OrderStatus.allNames), not '\(TextRules.excerpt(name))'")
            }
        case nil, .null?:
            issues.add("status", "is required: one of \(OrderStatus.allNames)")
        case let other?:
            issues.add("status", "must be a string, one of \(OrderStatus.allNames), not \(other.typeName)")
        }

        let shipment = Shipment.read(body["shipment"], field: "shipment", into: &issues)
        if body["shipment"] != nil, body["shipment"] != .null, let status, !status.takesShipment {
            issues.add("shipment", "can be sent only with status shipped or in_transit, not \(status.rawValue)")
        }

        guard let id, let status, issues.isEmpty else { throw .invalidFields(issues.all) }
        self.init(id: id, status: status, shipment: shipment)
    }
}

extension OrderID {
    /// Reads the `{id}` of a path such as `/order/{id}`.
    ///
    /// - Throws: ``OrderError`` `validation_failed` naming the path parameter when it is not a valid id.
    public static func fromPath(_ text: String) throws(OrderError) -> OrderID {
        var issues = FieldIssues()
        guard let id = readPathParameter(text, into: &issues) else { throw .invalidFields(issues.all) }
        return id
    }

    static func readPathParameter(_ text: String, into issues: inout FieldIssues) -> OrderID? {
        guard let id = OrderID(text) else {
            issues.add("path.id", "the order id in the path must be \(OrderID.rule)")
            return nil
        }
        return id
    }
}
