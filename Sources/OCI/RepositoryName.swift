/// A repository name (`<name>` in `/v2/<name>/…`), validated against the distribution-spec grammar:
/// path components of `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String

    /// Clients cap `host[:port]/name` at 255 characters; a name alone can't be longer.
    public static let maximumLength = 255

    public init?(_ input: some StringProtocol) {
        let string = String(input)
        guard !string.isEmpty, string.utf8.count <= Self.maximumLength else { return nil }
        let components = string.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy(Self.isValidComponent) else { return nil }
        self.value = string
    }

    public var description: String { value }

    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    /// This name with `prefix/` in front, e.g. a license proxy's `proxy/<app-slug>`.
    public func prefixed(by prefix: RepositoryName?) -> RepositoryName {
        guard let prefix else { return self }
        return RepositoryName(unchecked: prefix.value + "/" + value)
    }

    private init(unchecked value: String) { self.value = value }

    /// One component: alphanumeric runs separated by exactly `.`, `_`, `__` or one or more `-`.
    private static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            let c = bytes[index]
            if isLowerAlnum(c) { index += 1; continue }
            // A separator run: `.`, `_`, `__`, or `-+`.
            var end = index
            while end < bytes.count, !isLowerAlnum(bytes[end]) { end += 1 }
            let run = bytes[index..<end]
            let ok = run.elementsEqual([UInt8(ascii: ".")])
                || run.elementsEqual([UInt8(ascii: "_")])
                || run.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || run.allSatisfy { $0 == UInt8(ascii: "-") }
            guard ok else { return false }
            index = end
        }
        return true
    }
}
