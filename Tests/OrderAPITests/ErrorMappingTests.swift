import FunctionRuntime
import OrderAPI
import OrderDomain
import OrderHTTP
import OrderStore
import StructuredLog
import Testing

@Suite("Errors as HTTP answers")
struct ErrorMappingTests {
    @Test(
        "every domain error code has its status",
        arguments: [
            (OrderError.Code.malformedJSON, 400), (.validationFailed, 400), (.amountMismatch, 400),
            (.orderNotFound, 404), (.orderExists, 409), (.invalidTransition, 409), (.versionMismatch, 412),
            (.requestInProgress, 409), (.idempotencyKeyReused, 422),
        ])
    func domainStatuses(code: OrderError.Code, status: Int) {
        let error = APIError(OrderError(code, "message"))
        #expect(error.status == status)
        #expect(error.code == code.rawValue)
    }

    @Test("a full disk is 507 storage_full, with the cause kept for the log")
    func storageFull() {
        let error = APIError(StoreError(.storageFull, "write /data/orders/ab/.x.tmp", errno: 28))
        #expect(error.status == 507)
        #expect(error.code == "storage_full")
        #expect(!error.message.contains("/data"))
        #expect(error.internalError?.contains("/data/orders/ab/.x.tmp") == true)
    }

    @Test("any other failure is an opaque 500 whose body reveals nothing")
    func internalError() {
        let response = APIError(StoreError(.corruptDocument, "read /data/orders/ab/2.json: bad")).response
        #expect(response.statusCode == 500)
        #expect(response.errorCode == "internal_error")
        #expect(!response.body.contains("/data"))
        #expect(response.internalError?.contains("/data/orders/ab/2.json") == true)
    }
}
