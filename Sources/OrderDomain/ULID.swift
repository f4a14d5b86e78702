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
        // The 80 random bits, five to a character, from two draws: the system's generator costs a system call each.
        var random = generator.next()
        for index in 10..<26 {
            if index == 22 { random = generator.next() }
            characters[index] = alphabet[Int(random & 31)]
            random >>= 5
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// A ULID for `time`, with the system's random number generator.
    public static func generate(at time: Timestamp) -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(at: time, using: &generator)
    }

    /// When the ULID `text` was made, from its first ten characters; `nil` if `text` is not a ULID (26 characters of
    /// Crockford base32 in capitals, as ``generate(at:using:)`` writes them).
    public static func time(of text: some StringProtocol) -> Timestamp? {
        let characters = Array(text.utf8)
        guard characters.count == 26 else { return nil }
        var millis: Int64 = 0
        for (index, character) in characters.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            if index < 10 { millis = millis << 5 | Int64(value) }
        }
        // Ten characters hold 50 bits; the service writes 48, so a larger value is not one of its ids.
        guard millis < 1 << 48 else { return nil }
        return Timestamp(millisecondsSinceEpoch: millis)
    }
}
