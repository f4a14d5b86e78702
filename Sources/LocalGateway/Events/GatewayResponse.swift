import Foundation
public import FunctionRuntime
public import OrderHTTP
import SystemSupport

/// An HTTP response the gateway sends back.
public struct GatewayResponse: Sendable, Equatable {
    public var status: Int
    /// Header fields in order; a name may repeat (`Set-Cookie`).
    public var headers: [HeaderField]
    public var body: [UInt8]

    /// An answer with `status`, `headers` in the order they are sent, and `body`.
    public init(status: Int, headers: [HeaderField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The values of a header, by case-insensitive name.
    public func values(of name: String) -> [String] {
        headers.filter { $0.name.equalsIgnoringCase(name) }.map(\.value)
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
        guard let json = try? JSONValue.parse(output) else {
            throw InvalidFunctionResponse(reason: "the output is not JSON")
        }
        guard case .object(let object) = json, object["statusCode"] != nil else {
            guard version == .v2 else { throw InvalidFunctionResponse(reason: "the response has no statusCode") }
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Array(text.utf8))
            return
        }
        let response = try ProxyResponse(object, version: version)

        var headers: [HeaderField] = []
        let multipleNames = Set(response.multiValueHeaders.keys.map { $0.lowercased() })
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key })
        where !multipleNames.contains(name.lowercased()) {
            if let text = value.headerText { headers.append(HeaderField(name, text)) }
        }
        for (name, values) in response.multiValueHeaders.sorted(by: { $0.key < $1.key }) {
            headers += values.compactMap(\.headerText).map { HeaderField(name, $0) }
        }
        headers += response.cookies.compactMap(\.headerText).map { HeaderField("Set-Cookie", $0) }

        var body: [UInt8] = []
        if let text = response.body {
            if response.isBase64Encoded {
                guard let decoded = Data(base64Encoded: text) else {
                    throw InvalidFunctionResponse(reason: "isBase64Encoded is true but body is not base64")
                }
                body = Array(decoded)
            } else {
                body = Array(text.utf8)
            }
        }
        self.init(status: response.statusCode, headers: headers, body: body)
    }
}

/// The fields of a proxy response, read as leniently as API Gateway reads them: a status code may be a string,
/// header values may be numbers or booleans, `null` is the same as absent.
private struct ProxyResponse {
    var statusCode: Int
    var headers: [String: JSONValue]
    var multiValueHeaders: [String: [JSONValue]]
    var cookies: [JSONValue]
    var body: String?
    var isBase64Encoded: Bool

    /// The response in `object`, which has a `statusCode`; `cookies` are read in payload 2.0 only.
    init(_ object: [String: JSONValue], version: PayloadVersion) throws(InvalidFunctionResponse) {
        let status = object["statusCode"]
        guard let code = status?.headerInteger, (100...599).contains(code) else {
            throw InvalidFunctionResponse(reason: "statusCode is not an HTTP status: \(status?.headerText ?? "null")")
        }
        statusCode = code
        switch object["headers"] {
        case nil, .null?: headers = [:]
        case .object(let members)?: headers = members
        default: throw InvalidFunctionResponse(reason: "headers is not an object")
        }
        switch object["multiValueHeaders"] {
        case nil, .null?: multiValueHeaders = [:]
        case .object(let members)?:
            multiValueHeaders = [:]
            for (name, value) in members {
                guard case .array(let values) = value else {
                    throw InvalidFunctionResponse(reason: "multiValueHeaders is not an object of arrays")
                }
                multiValueHeaders[name] = values
            }
        default: throw InvalidFunctionResponse(reason: "multiValueHeaders is not an object of arrays")
        }
        switch version == .v2 ? object["cookies"] : nil {
        case nil, .null?: cookies = []
        case .array(let values)?: cookies = values
        default: throw InvalidFunctionResponse(reason: "cookies is not an array")
        }
        switch object["body"] {
        case nil, .null?: body = nil
        case .string(let text)?: body = text
        default: throw InvalidFunctionResponse(reason: "body is not a string")
        }
        isBase64Encoded = object["isBase64Encoded"]?.headerText?.lowercased() == "true"
    }
}

extension JSONValue {
    /// A JSON scalar where a proxy response expects text: a string, number or boolean, written out as text; `null`
    /// and anything else have no text (the header is dropped).
    fileprivate var headerText: String? {
        switch self {
        case .string, .number, .bool: text
        case .null, .array, .object: nil
        }
    }

    /// A whole number, or a string that is one, for `statusCode`.
    fileprivate var headerInteger: Int? {
        switch self {
        case .string(let string): Int(string)
        case .number(let value, let text): Int(text) ?? Int(exactly: value)
        default: nil
        }
    }
}

/// A function answered with something that is not a proxy response; the gateway answers 502.
public struct InvalidFunctionResponse: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid function response: \(reason)" }
}
