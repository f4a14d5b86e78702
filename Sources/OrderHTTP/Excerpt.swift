/// A client's value cut to a short prefix before an answer or a log line repeats it, so that a huge header or path
/// is never repeated whole. (The domain's messages cut theirs with `TextRules.excerpt`, which this module cannot
/// see.)
public enum Excerpt {
    /// `text` whole when it has at most `maximumLength` characters (Unicode scalars), otherwise that many and how
    /// long it was: `abc… (5000 characters)`.
    public static func of(_ text: String, maximumLength: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > maximumLength else { return text }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(maximumLength))
        return "\(String(cut))… (\(scalars.count) characters)"
    }

    /// How much of a header value an error message repeats.
    public static let headerValueLength = 40
    /// How much of a request path a log line keeps: enough to tell routes and ids apart.
    public static let loggedPathLength = 256
}
