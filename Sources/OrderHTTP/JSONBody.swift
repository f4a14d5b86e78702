import FoundationEssentials
public import SystemSupport

/// The service's JSON text for answers: orders, events and the pages of them through ``JSONWriter``, other `Encodable`
/// values (error envelopes, job results) through `JSONEncoder`.
///
/// Keys are sorted, so the same value always gives the same text; slashes are not escaped, so paths read as paths.
/// The two give the same text for the same fields; `JSONEncoder` builds a tree of the value first, which for an
/// order was a sixth of a warm `GET /order/{id}`.
public enum JSONBody {
    /// Sorted keys, so that answers are stable; slashes unescaped, so that paths read as paths.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The JSON text of `value`, written directly.
    public static func encode(_ value: some JSONWritable) -> String {
        value.jsonText
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
