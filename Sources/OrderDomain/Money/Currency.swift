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
    private static let known: [String: Int] = {
        var known: [String: Int] = [:]
        for line in CurrencyTable.list.split(separator: "\n") {
            let fields = line.split(separator: " ")
            known[String(fields[0])] = Int(fields[1])!
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
