/// A JSON value read by ``parse(_:)``: strict RFC 8259 JSON, as Foundation's `JSONDecoder` reads it, without building
/// a decoder and its containers. The service's one JSON reader for what it reads on every request: tokens and
/// function answers in the gateway, proxy events and stored order documents in the functions. ``JSONObject`` reads
/// typed fields out of a parsed object.
///
/// Decoding those with `JSONDecoder` into `Decodable` types was about a third of the gateway's CPU time under warm
/// `GET /order/{id}`, and half of the function's.
public enum JSONValue: Equatable, Sendable {
    case string(String)
    /// A number, with its text as written, so that an integer is passed on exactly.
    case number(Double, text: String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// Why a document is not JSON.
    public struct Invalid: Error, CustomStringConvertible {
        /// The byte offset at which the text stops being JSON.
        public var offset: Int

        /// Says where the text stops being JSON.
        public var description: String { "it is not JSON (at byte \(offset))" }
    }

    /// The value of the JSON text `bytes`: one value, with only whitespace around it.
    ///
    /// - Throws: ``Invalid`` for anything that is not JSON: a syntax error, a string that is not UTF-8 or holds a
    ///   control character or a lone surrogate, a number too large for a `Double`, nesting deeper than 128, or text
    ///   after the value.
    public static func parse(_ bytes: [UInt8]) throws(Invalid) -> JSONValue {
        // Read through a pointer: an array's subscript is checked at every byte the loops below look at.
        try bytes.withUnsafeBufferPointer { bytes throws(Invalid) in
            var reader = Reader(bytes: bytes)
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == bytes.count else { throw Invalid(offset: reader.index) }
            return value
        }
    }

    /// Nesting beyond this depth is refused rather than read by recursion.
    public static let maximumDepth = 128

    /// API Gateway's text of a value, as it passes claims to the function and reads header values: a string as it
    /// is, a number as an integer
    /// when it is one (`1.0` and `1e3` too, as `JSONDecoder` reads an `Int64`), `true`, `false`, `null`, a list as
    /// `[a b c]`, an object as `{"key":"text"}` with its keys sorted.
    public var text: String {
        switch self {
        case .string(let string): return string
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .number(let value, let text):
            if let integer = Int64(text) ?? Int64(exactly: value) { return String(integer) }
            return String(value)
        case .array(let items): return "[" + items.map(\.text).joined(separator: " ") + "]"
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value.text)\"" }
            return "{" + sorted.joined(separator: ",") + "}"
        }
    }

    /// A cursor over the text, reading one value at a time.
    private struct Reader {
        /// The text, valid while the reader is used.
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        /// The error for text that stops being JSON at the cursor.
        func invalid() -> Invalid { Invalid(offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Invalid) -> JSONValue {
            skipWhitespace()
            guard index < bytes.count else { throw invalid() }
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws(Invalid) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw invalid() }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw invalid() }
            index += count
        }

        mutating func object(depth: Int) throws(Invalid) -> JSONValue {
            guard depth <= JSONValue.maximumDepth else { throw invalid() }
            index += 1  // {
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw invalid() }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw invalid() }
                index += 1
                let member = try value(depth: depth)
                // A key given twice keeps its first value, as Foundation's `JSONDecoder` does.
                if members[key] == nil { members[key] = member }
                skipWhitespace()
                guard index < bytes.count else { throw invalid() }
                index += 1
                switch bytes[index - 1] {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "}"): return .object(members)
                default: throw invalid()
                }
            }
        }

        mutating func array(depth: Int) throws(Invalid) -> JSONValue {
            guard depth <= JSONValue.maximumDepth else { throw invalid() }
            index += 1  // [
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                items.append(try value(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw invalid() }
                index += 1
                switch bytes[index - 1] {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "]"): return .array(items)
                default: throw invalid()
                }
            }
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, finite as a `Double`.
        mutating func number() throws(Invalid) -> JSONValue {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw invalid() }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw invalid() }
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw invalid() }
                skipDigits()
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw invalid() }
            return .number(value, text: text)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }

        /// A string from its opening quote: UTF-8, no control characters, escapes as JSON defines them.
        mutating func string() throws(Invalid) -> String {
            index += 1  // "
            let start = index
            // Most strings have no escape: copied in one step, and validated as UTF-8 only when they are not ASCII
            // (`String(validating:)` costs a generic call per string).
            var isASCII = true
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text: String
                    if isASCII {
                        text = String(decoding: bytes[start..<index], as: UTF8.self)
                    } else {
                        guard let valid = String(validating: bytes[start..<index], as: UTF8.self) else {
                            throw invalid()
                        }
                        text = valid
                    }
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw invalid() }
                if byte >= 0x80 { isASCII = false }
                index += 1
            }
            var unescaped = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let text = String(validating: unescaped, as: UTF8.self) else { throw invalid() }
                    return text
                case UInt8(ascii: "\\"):
                    index += 1
                    try escape(into: &unescaped)
                default:
                    // The run of plain bytes up to the next quote, escape or control character, copied at once.
                    let run = index
                    while index < bytes.count, bytes[index] >= 0x20, bytes[index] != UInt8(ascii: "\""),
                        bytes[index] != UInt8(ascii: "\\")
                    {
                        index += 1
                    }
                    guard index > run else {
                        index += 1
                        throw invalid()  // A control character.
                    }
                    unescaped += bytes[run..<index]
                }
            }
            throw invalid()
        }

        /// One escape after its backslash, appended as UTF-8.
        mutating func escape(into output: inout [UInt8]) throws(Invalid) {
            guard index < bytes.count else { throw invalid() }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(try hexQuad())
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw invalid() }
                    index += 2
                    let low = UInt32(try hexQuad())
                    guard (0xDC00..<0xE000).contains(low) else { throw invalid() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw invalid() }
                output.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw invalid()
            }
        }

        mutating func hexQuad() throws(Invalid) -> UInt16 {
            guard index + 4 <= bytes.count else { throw invalid() }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw invalid()
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }
    }
}
