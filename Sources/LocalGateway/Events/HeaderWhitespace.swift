extension StringProtocol where SubSequence == Substring {
    /// This text without the whitespace Foundation's `CharacterSet.whitespaces` is documented to name (tabs and the
    /// Unicode space separators, Zs; not line breaks, nor the zero-width space Foundation on Linux adds) at either end.
    ///
    /// Foundation trims through `NSString` and UTF-16, which over a token of a kilobyte was an eighth of the
    /// gateway's CPU, and over a `Content-Type` still a tenth of building an event.
    var trimmingWhitespace: Substring {
        func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\t" || scalar == " "
                || (scalar.value > 0x7F && scalar.properties.generalCategory == .spaceSeparator)
        }
        let text = self[...]
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return text[text.endIndex...] }
        return Substring(scalars[first...last])
    }
}
