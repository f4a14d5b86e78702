extension BidirectionalCollection {
    /// The collection without the elements at either end for which `isPadding` is true.
    ///
    /// Costs one pass from each end; the result shares the collection's storage.
    @inlinable
    public func trimming(while isPadding: (Element) -> Bool) -> SubSequence {
        guard let first = firstIndex(where: { !isPadding($0) }), let last = lastIndex(where: { !isPadding($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}

extension StringProtocol {
    /// Without the spaces and tabs at either end: HTTP's optional whitespace (RFC 9110 §5.6.3).
    public var trimmingSpacesAndTabs: String {
        String(trimming { $0 == " " || $0 == "\t" })
    }
}
