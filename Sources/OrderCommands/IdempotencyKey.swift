import Crypto
import OrderHTTP
import OrderStore
import SystemSupport

/// An `Idempotency-Key` header, checked: 1 to 255 visible ASCII characters.
struct IdempotencyKey {
    static let maximumLength = 255

    /// The digest the key is stored under.
    let digest: IdempotencyKeyDigest

    /// Reads the header value.
    ///
    /// - Throws: ``APIError`` `invalid_header` for an empty, too long or non-visible-ASCII key.
    init(header value: String) throws(APIError) {
        let bytes = Array(value.utf8)
        guard (1...Self.maximumLength).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalidHeader(
                "Idempotency-Key",
                "must be 1 to \(Self.maximumLength) visible ASCII characters without spaces, such as a UUID")
        }
        guard let digest = IdempotencyKeyDigest(hex: Self.hexDigest(of: bytes)) else {
            throw .invalidHeader("Idempotency-Key", "cannot be used")
        }
        self.digest = digest
    }

    /// SHA-256 of `bytes` as lower-case hex: the name of a key, and the fingerprint of a request body.
    static func hexDigest(of bytes: [UInt8]) -> String {
        Hex.string(Array(SHA256.hash(data: bytes)))
    }
}
