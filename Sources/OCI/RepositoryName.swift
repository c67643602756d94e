/// A repository name (`<name>` in `/v2/<name>/…`), validated against the distribution-spec grammar:
/// path components of `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String

    /// Clients cap `host[:port]/name` at 255 characters; a name alone can't be longer.
    public static let maximumLength = 255

    public init?(_ input: String) {
        var input = input
        guard input.withUTF8(Self.isValid) else { return nil }
        self.value = input
    }

    public init?(_ input: Substring) {
        var input = input
        guard input.withUTF8(Self.isValid) else { return nil }
        self.value = String(input)
    }

    public var description: String { value }

    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    /// This name with `prefix/` in front, e.g. a license proxy's `proxy/<app-slug>`.
    public func prefixed(by prefix: RepositoryName?) -> RepositoryName {
        guard let prefix else { return self }
        return RepositoryName(unchecked: prefix.value + "/" + value)
    }

    private init(unchecked value: String) { self.value = value }

    /// Components joined by `/`, each alphanumeric runs separated by exactly `.`, `_`, `__` or one
    /// or more `-`; read byte by byte, as names are checked on every request.
    private static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        var index = 0
        while true {
            // A component starts and ends with an alphanumeric byte.
            guard index < bytes.count, isLowerAlnum(bytes[index]) else { return false }
            while index < bytes.count, bytes[index] != UInt8(ascii: "/") {
                if isLowerAlnum(bytes[index]) { index += 1; continue }
                let start = index
                while index < bytes.count, !isLowerAlnum(bytes[index]), bytes[index] != UInt8(ascii: "/") { index += 1 }
                guard isSeparator(bytes[start..<index]), index < bytes.count, isLowerAlnum(bytes[index]) else { return false }
            }
            if index == bytes.count { return true }
            index += 1  // the `/`; a component must follow
        }
    }

    /// `.`, `_`, `__`, or `-+`.
    private static func isSeparator(_ run: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        switch run.count {
        case 1: return run.first == UInt8(ascii: ".") || run.first == UInt8(ascii: "_") || run.first == UInt8(ascii: "-")
        case 2 where run.first == UInt8(ascii: "_"): return run.last == UInt8(ascii: "_")
        default: return run.allSatisfy { $0 == UInt8(ascii: "-") }
        }
    }
}
