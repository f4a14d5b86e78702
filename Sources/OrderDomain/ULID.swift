public import Timestamps

/// Universally unique, lexicographically sortable identifiers: 48 bits of milliseconds then 80 random bits,
/// written as 26 characters of Crockford base32. Ids made later sort after ids made earlier.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A ULID for `time`, its random part from `generator` (seeded generators give repeatable ids).
    ///
    /// Two ids made in the same millisecond sort in no particular order.
    public static func generate(at time: Timestamp, using generator: inout some RandomNumberGenerator) -> String {
        var characters = [UInt8](repeating: 0, count: 26)
        var millis = UInt64(max(0, time.millisecondsSinceEpoch))
        for index in stride(from: 9, through: 0, by: -1) {
            characters[index] = alphabet[Int(millis & 31)]
            millis >>= 5
        }
        for index in 10..<26 {
            characters[index] = alphabet[Int(generator.next() & 31)]
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// A ULID for `time`, with the system's random number generator.
    public static func generate(at time: Timestamp) -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(at: time, using: &generator)
    }
}
