#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process environment, read once.
///
/// Configuration types take an environment as a `[String: String]` (so tests build them from a literal) and use
/// this as their default; nothing else in the service reads the environment.
public enum ProcessEnvironment {
    /// Every variable of the environment the process started with, read on first use.
    ///
    /// Later `setenv` calls are not seen: the service reads its configuration at start-up.
    public static let variables: [String: String] = {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }()
}

extension Dictionary where Key == String, Value == String {
    /// The value of a variable, or `nil` when it is unset or empty (an empty variable counts as unset).
    public func nonEmpty(_ name: String) -> String? {
        self[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
