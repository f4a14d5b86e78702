import Foundation
public import FunctionRuntime
public import OrderHTTP

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
        let decoded: FunctionOutput
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[FunctionOutput.versionKey] = version
            decoded = try decoder.decode(FunctionOutput.self, from: Data(output))
        } catch let error as InvalidFunctionResponse {
            throw error
        } catch {
            throw InvalidFunctionResponse(reason: "the output is not JSON")
        }
        guard case .response(let response) = decoded else {
            guard version == .v2 else { throw InvalidFunctionResponse(reason: "the response has no statusCode") }
            let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(status: 200, headers: [HeaderField("Content-Type", "application/json")], body: Array(text.utf8))
            return
        }

        var headers: [HeaderField] = []
        let multipleNames = Set(response.multiValueHeaders.keys.map { $0.lowercased() })
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key })
        where !multipleNames.contains(name.lowercased()) {
            if let text = value.text { headers.append(HeaderField(name, text)) }
        }
        for (name, values) in response.multiValueHeaders.sorted(by: { $0.key < $1.key }) {
            headers += values.compactMap(\.text).map { HeaderField(name, $0) }
        }
        headers += response.cookies.compactMap(\.text).map { HeaderField("Set-Cookie", $0) }

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

/// What a function wrote: a proxy response, or (payload 2.0 only) any other JSON, which becomes the body.
private enum FunctionOutput: Decodable {
    case response(ProxyResponse)
    case otherJSON

    /// The payload version the output is read for, in the decoder's `userInfo`.
    static let versionKey = CodingUserInfoKey(rawValue: "payloadVersion")!

    init(from decoder: any Decoder) throws {
        guard let object = try? decoder.container(keyedBy: ProxyResponse.CodingKeys.self),
            object.contains(.statusCode)
        else {
            self = .otherJSON
            return
        }
        self = .response(try ProxyResponse(from: object, version: decoder.userInfo[Self.versionKey] as? PayloadVersion))
    }
}

/// The fields of a proxy response, read as leniently as API Gateway reads them: a status code may be a string,
/// header values may be numbers or booleans, `null` is the same as absent.
private struct ProxyResponse {
    var statusCode: Int
    var headers: [String: HeaderValue]
    var multiValueHeaders: [String: [HeaderValue]]
    var cookies: [HeaderValue]
    var body: String?
    var isBase64Encoded: Bool

    enum CodingKeys: String, CodingKey {
        case statusCode, headers, multiValueHeaders, cookies, body, isBase64Encoded
    }

    init(from object: KeyedDecodingContainer<CodingKeys>, version: PayloadVersion?) throws(InvalidFunctionResponse) {
        let status = try? object.decode(HeaderValue.self, forKey: .statusCode)
        guard let code = status?.integer, (100...599).contains(code) else {
            throw InvalidFunctionResponse(reason: "statusCode is not an HTTP status: \(status?.text ?? "null")")
        }
        statusCode = code
        headers = try Self.decode(object, .headers, else: "headers is not an object") ?? [:]
        multiValueHeaders =
            try Self.decode(object, .multiValueHeaders, else: "multiValueHeaders is not an object of arrays") ?? [:]
        cookies = version == .v2 ? try Self.decode(object, .cookies, else: "cookies is not an array") ?? [] : []
        body = try Self.decode(object, .body, else: "body is not a string")
        let flag = try? object.decodeIfPresent(HeaderValue.self, forKey: .isBase64Encoded)
        isBase64Encoded = flag?.text?.lowercased() == "true"
    }

    /// The field at `key`, `nil` when absent or `null`.
    private static func decode<Value: Decodable>(
        _ object: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, else reason: String
    ) throws(InvalidFunctionResponse) -> Value? {
        do {
            return try object.decodeIfPresent(Value.self, forKey: key)
        } catch {
            throw InvalidFunctionResponse(reason: reason)
        }
    }
}

/// A JSON scalar where a proxy response expects text: a string, number or boolean, written out as text; `null`
/// and anything else have no text (the header is dropped).
private struct HeaderValue: Decodable {
    var text: String?
    /// A whole number, or a string that is one, for `statusCode`.
    var integer: Int?

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if value.decodeNil() {
            text = nil
        } else if let string = try? value.decode(String.self) {
            text = string
            integer = Int(string)
        } else if let flag = try? value.decode(Bool.self) {
            text = flag ? "true" : "false"
        } else if let number = try? value.decode(Int.self) {
            text = String(number)
            integer = number
        } else if let number = try? value.decode(Double.self) {
            text = String(number)
            integer = number == number.rounded() ? Int(exactly: number) : nil
        } else {
            text = nil
        }
    }
}

/// A function answered with something that is not a proxy response; the gateway answers 502.
public struct InvalidFunctionResponse: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid function response: \(reason)" }
}
