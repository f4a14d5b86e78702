import StructuredLog
import SystemSupport

extension FunctionResponse {
    /// The proxy response JSON for the given payload version: `statusCode`, `headers` (and in 1.0
    /// `multiValueHeaders`), the body as text, `isBase64Encoded` false.
    public func encoded(for version: PayloadVersion) -> String {
        var json = JSONWriter()
        json.object { json in
            json.field("statusCode", statusCode)
            json.field("headers", headers)
            if version == .v1 {
                json.field("multiValueHeaders", headers.mapValues { [$0] })
            }
            json.field("body", body)
            json.field("isBase64Encoded", false)
        }
        return json.text
    }
}
