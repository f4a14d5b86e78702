/// An ISO 4217 currency the service knows: its alphabetic code and its minor units (the decimals a price may have).
///
/// The known currencies are ``CurrencyTable``, a copy of ISO 4217 List One; a code not in it is refused.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The alphabetic code, such as `EUR`.
    public let code: String
    /// Decimal places of the currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD.
    public let minorUnits: Int

    /// The currency with `code` (upper case, as ISO 4217 writes it), or `nil` if ISO 4217 List One has none.
    public init?(code: String) {
        guard let minorUnits = Self.known[code] else { return nil }
        self.code = code
        self.minorUnits = minorUnits
    }

    /// The euro: the default when neither the request nor `ORDER_DEFAULT_CURRENCY` names a currency.
    public static let euro = Currency(code: "EUR")!

    /// Which edition of ISO 4217 the known currencies come from.
    public static var edition: String { CurrencyTable.edition }

    /// The ISO 4217 code, such as `EUR`.
    public var description: String { code }

    /// Every known code with its minor units, read once from the table.
    ///
    /// Read in one pass over the bytes: splitting the table into lines and fields cost every process that reads an
    /// order a fifth of get-order's instructions (1.1 M of 6.0 M).
    private static let known: [String: Int] = {
        var known: [String: Int] = [:]
        known.reserveCapacity(256)
        var table = CurrencyTable.list
        table.withUTF8 { bytes in
            // `<code> <minor units>\n`, the last line without its line end.
            var lineStart = 0
            while lineStart < bytes.count {
                var space = lineStart
                while space < bytes.count, bytes[space] != UInt8(ascii: " ") { space += 1 }
                var lineEnd = space + 1
                var minorUnits = 0
                while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") {
                    minorUnits = minorUnits * 10 + Int(bytes[lineEnd] - UInt8(ascii: "0"))
                    lineEnd += 1
                }
                known[String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<space]), as: UTF8.self)] =
                    minorUnits
                lineStart = lineEnd + 1
            }
        }
        return known
    }()

    /// The currency of a stored order; a code no longer in the table is still read, with two minor units, so
    /// old orders never fail to load.
    init(stored code: String) {
        // A stored order keeps the minor units of its day; a code later withdrawn is still read.
        self = Currency(code: code) ?? Currency(unlisted: code)
    }

    private init(unlisted code: String) {
        self.code = code
        minorUnits = 2
    }
}
