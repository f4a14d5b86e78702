public import FunctionRuntime
import OrderDomain
public import OrderHTTP
import OrderStore

/// The one place where errors become HTTP answers.
extension APIError {
    /// The answer for any error a handler throws. Unknown errors become an opaque 500, logged in full.
    public init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as OrderError:
            self.init(
                status: error.code.httpStatus, code: error.code.rawValue, message: error.message,
                details: error.details.map { Detail(field: $0.field, message: $0.message) })
        case let error as StoreError where error.code == .storageFull:
            self.init(
                status: 507, code: "storage_full",
                message: "The order store is out of space, so nothing was changed. Try again later.",
                internalError: error.description)
        default:
            self = .internalError(error)
        }
    }
}

extension OrderError.Code {
    /// The HTTP status of each domain error.
    var httpStatus: Int {
        switch self {
        case .malformedJSON, .validationFailed, .amountMismatch: 400
        case .orderNotFound, .eventNotFound: 404
        case .orderExists, .invalidTransition, .requestInProgress: 409
        case .versionMismatch: 412
        case .idempotencyKeyReused: 422
        }
    }
}
