/// Why the gateway cannot start or run a command: a stable machine `code` and a message for the person
/// running it.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `template_unreadable`, `template_invalid`, `env_vars_invalid`, `executable_missing`, `event_unreadable`,
    /// `function_not_found`, `listen_failed`, `openapi_unreadable`, `parameter_unknown`,
    /// `parameter_overrides_invalid`, `jwks_unreadable`, `jwks_invalid`, `identity_unusable`, `token_invalid`,
    /// `authorizer_not_found`, `request_invalid`, `request_answered_by_gateway`.
    public var code: String
    public var message: String

    /// An error with a stable `code` (listed above) and a message that says what to fix.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func templateInvalid(_ message: String) -> GatewayError {
        GatewayError(code: "template_invalid", message: "template: \(message)")
    }
}
