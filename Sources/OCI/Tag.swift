/// A tag, `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String

    public init?(_ string: String) {
        guard Self.isValid(string.utf8) else { return nil }
        self.value = string
    }

    public init?(_ string: Substring) {
        guard Self.isValid(string.utf8) else { return nil }
        self.value = String(string)
    }

    private static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        guard let first = bytes.first, bytes.count <= 128, isWordCharacter(first) else { return false }
        return bytes.dropFirst().allSatisfy { isWordCharacter($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    public var description: String { value }
    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.value < rhs.value }

    private static func isWordCharacter(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }
}
