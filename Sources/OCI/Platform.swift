/// A platform as `--platform` names it and an index's descriptors carry it: `os/architecture[/variant]`,
/// e.g. `linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`.
public struct Platform: Hashable, Sendable, CustomStringConvertible {
    public let os: String
    public let architecture: String
    public let variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Parses `os/arch[/variant]`, or nil when it is not two or three non-empty lower-case parts.
    public init?(_ text: some StringProtocol) {
        let parts = String(text).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { Self.isNameByte($0) } }) else { return nil }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// Whether an index entry for `other` serves a request for this platform. Without a variant
    /// any variant matches; `arm64` treats a missing variant and `v8` as the same.
    public func matches(_ other: Platform) -> Bool {
        guard os == other.os, architecture == other.architecture else { return false }
        guard let variant else { return true }
        return Self.normalisedVariant(variant, architecture) == Self.normalisedVariant(other.variant, architecture)
    }

    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    private static func normalisedVariant(_ variant: String?, _ architecture: String) -> String? {
        architecture == "arm64" && (variant == nil || variant == "v8") ? "v8" : variant
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}
