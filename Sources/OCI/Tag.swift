/// A tag, `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let value: String

    public init?(_ string: some StringProtocol) {
        let bytes = Array(string.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return nil }
        guard Self.isWordCharacter(first), bytes.dropFirst().allSatisfy({ Self.isWordCharacter($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
            return nil
        }
        self.value = String(string)
    }

    public var description: String { value }
    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.value < rhs.value }

    private static func isWordCharacter(_ c: UInt8) -> Bool {
        isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }
}
