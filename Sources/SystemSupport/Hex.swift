/// Lower-case hexadecimal text, for digests, file names and escapes.
public enum Hex {
    /// The digits `0`–`9`, `a`–`f` as UTF-8, indexed by their value.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the two digits of `byte`, high nibble first.
    @inlinable
    public static func append(_ byte: UInt8, to text: inout [UInt8]) {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }

    /// The bytes as lower-case hex, two digits each.
    public static func string(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        for byte in bytes { append(byte, to: &text) }
        return String(decoding: text, as: UTF8.self)
    }
}
