import Foundation

/// The service's OpenAPI description, which the gateway serves at `GET /openapi.yaml` beside the template's routes,
/// so that clients and contract tests read the description of the very API they talk to.
public struct OpenAPIDocument: Sendable {
    /// Where the gateway serves the document.
    public static let path = "/openapi.yaml"
    /// The name looked for beside the template when no document is named.
    static let defaultFileName = "openapi.yaml"

    /// The document's bytes, served as they are.
    public var contents: [UInt8]

    /// A document of `contents`, served as `GET /openapi.yaml`.
    public init(contents: [UInt8]) {
        self.contents = contents
    }

    /// Reads the document at `path`.
    ///
    /// - Throws: ``GatewayError`` `openapi_unreadable` when the file cannot be read.
    public static func load(fromFile path: String) throws(GatewayError) -> OpenAPIDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GatewayError(code: "openapi_unreadable", message: "cannot read the OpenAPI description \(path)")
        }
        return OpenAPIDocument(contents: Array(data))
    }

    /// The path of `openapi.yaml` in the template's directory, if that file exists.
    public static func besideTemplate(_ templatePath: String) -> String? {
        let candidate = URL(fileURLWithPath: templatePath).deletingLastPathComponent()
            .appendingPathComponent(defaultFileName).path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    /// The answer to a request for the document, or `nil` when the request is for another path.
    ///
    /// Only `GET` is served; any other method is a 405 with `Allow: GET`, as for the template's routes.
    func answer(method: String, path: String) -> GatewayResponse? {
        guard path == Self.path else { return nil }
        guard method == "GET" else {
            return GatewayResponse(.methodNotAllowed(method: method, path: path, allowed: ["GET"]))
        }
        return GatewayResponse(status: 200, headers: [HeaderField("Content-Type", "application/yaml")], body: contents)
    }
}
