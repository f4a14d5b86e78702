extension String {
    /// Without the spaces and tabs at either end: HTTP's optional whitespace (RFC 9110 §5.6.3).
    public var trimmingSpacesAndTabs: String {
        let isPadding = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { !isPadding($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isPadding($0) })!
        // Both ends are ASCII bytes, so they are character boundaries.
        return String(self[first...last])
    }
}
