import FoundationEssentials

/// The service's JSON text for `Codable` values: response bodies, error envelopes, event payloads, job results.
///
/// Keys are sorted, so the same value always gives the same text; slashes are not escaped, so paths read as paths.
/// It builds a `JSONEncoder` tree of the value first: for the fixed envelopes written on every invocation, the
/// cheaper `JSONWriter` is used instead.
public enum JSONBody {
    /// Sorted keys, so that answers are stable; slashes unescaped, so that paths read as paths.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The JSON text of `value`.
    ///
    /// - Precondition: `value` cannot fail to encode (no non-finite `Double`s, no throwing `encode(to:)`); a failure
    ///   stops the process, as it is a programming error.
    public static func encode(_ value: some Encodable) -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            preconditionFailure("response body failed to encode: \(error)")
        }
    }
}
