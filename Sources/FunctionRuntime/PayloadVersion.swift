/// The API Gateway proxy payload format: an event comes in one, and its response is read in the same one.
public enum PayloadVersion: String, Sendable, Equatable {
    /// REST API (`Api` events): `httpMethod`, `path`, `multiValueHeaders`.
    case v1 = "1.0"
    /// HTTP API (`HttpApi` events): `rawPath`, `requestContext.http`, `cookies`.
    case v2 = "2.0"
}
