import Foundation
public import FunctionRuntime

/// An HTTP response the gateway sends back.
public struct GatewayResponse: Sendable, Equatable {
    public var status: Int
    /// Header fields in order; a name may repeat (`Set-Cookie`).
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [HeaderField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The values of a header, by case-insensitive name.
    public func values(of name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// An error answer in the service's envelope.
    public init(_ error: APIError) {
        let response = error.response
        self.init(
            status: response.statusCode,
            headers: response.headers.sorted { $0.key < $1.key }.map { HeaderField($0.key, $0.value) },
            body: Array(response.body.utf8))
    }

    /// Reads a function's proxy response as API Gateway does for `version`.
    ///
    /// Payload 2.0 without `statusCode` (any valid JSON) is a 200 with that JSON as the body. `cookies` become
    /// `Set-Cookie` headers; in payload 1.0, `multiValueHeaders` win over `headers` for the same name.
    ///
    /// - Throws: ``InvalidFunctionResponse`` when the output is not such a response.
    public init(functionOutput output: [UInt8], version: PayloadVersion) throws(InvalidFunctionResponse) {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(output), options: [.fragmentsAllowed])
        } catch {
            throw InvalidFunctionResponse(reason: "the output is not JSON")
        }
        guard let object = json as? [String: Any], let status = object["statusCode"] else {
            guard version == .v2 else { throw InvalidFunctionResponse(reason: "the response has no statusCode") }
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Array(text.utf8))
            return
        }
        guard let code = Self.integer(status), (100...599).contains(code) else {
            throw InvalidFunctionResponse(reason: "statusCode is not an HTTP status: \(status)")
        }

        var headers: [HeaderField] = []
        var named: [String: Any] = [:]
        if let single = object["headers"], !(single is NSNull) {
            guard let fields = single as? [String: Any] else {
                throw InvalidFunctionResponse(reason: "headers is not an object")
            }
            named = fields
        }
        var multiple: [String: [Any]] = [:]
        if let multi = object["multiValueHeaders"], !(multi is NSNull) {
            guard let fields = multi as? [String: [Any]] else {
                throw InvalidFunctionResponse(reason: "multiValueHeaders is not an object of arrays")
            }
            multiple = fields
        }
        let multipleNames = Set(multiple.keys.map { $0.lowercased() })
        for (name, value) in named.sorted(by: { $0.key < $1.key }) where !multipleNames.contains(name.lowercased()) {
            if let text = Self.text(value) { headers.append(HeaderField(name, text)) }
        }
        for (name, values) in multiple.sorted(by: { $0.key < $1.key }) {
            headers += values.compactMap(Self.text).map { HeaderField(name, $0) }
        }
        if version == .v2, let cookies = object["cookies"], !(cookies is NSNull) {
            guard let list = cookies as? [Any] else { throw InvalidFunctionResponse(reason: "cookies is not an array") }
            headers += list.compactMap(Self.text).map { HeaderField("Set-Cookie", $0) }
        }

        var body: [UInt8] = []
        switch object["body"] {
        case nil, is NSNull: break
        case let text as String:
            if Self.bool(object["isBase64Encoded"]) {
                guard let decoded = Data(base64Encoded: text) else {
                    throw InvalidFunctionResponse(reason: "isBase64Encoded is true but body is not base64")
                }
                body = Array(decoded)
            } else {
                body = Array(text.utf8)
            }
        default:
            throw InvalidFunctionResponse(reason: "body is not a string")
        }
        self.init(status: code, headers: headers, body: body)
    }

    private static func integer(_ value: Any) -> Int? {
        if value is Bool { return nil }
        if let number = value as? Int { return number }
        if let number = value as? Double, number == number.rounded() { return Int(exactly: number) }
        if let text = value as? String { return Int(text) }
        return nil
    }

    private static func bool(_ value: Any?) -> Bool {
        switch value {
        case let flag as Bool: flag
        case let text as String: text.lowercased() == "true"
        default: false
        }
    }

    /// A header value as text; numbers and booleans are written out, `null` drops the header.
    private static func text(_ value: Any) -> String? {
        switch value {
        case let text as String: text
        case let flag as Bool: flag ? "true" : "false"
        case let number as Int: String(number)
        case let number as Double: String(number)
        default: nil
        }
    }
}

/// A function answered with something that is not a proxy response; the gateway answers 502.
public struct InvalidFunctionResponse: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid function response: \(reason)" }
}
