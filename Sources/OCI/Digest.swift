/// A content digest, `algorithm:encoded`, validated against the OCI image-spec grammar.
///
/// `sha256` and `sha512` must be lowercase hex of their exact length; any other algorithm
/// that fits the grammar is accepted (and stored by its string), as the spec asks.
public struct Digest: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let algorithm: String
    public let encoded: String

    public init?(_ string: some StringProtocol) {
        guard let colon = string.firstIndex(of: ":") else { return nil }
        let algorithm = String(string[..<colon])
        let encoded = String(string[string.index(after: colon)...])
        guard Self.isValidAlgorithm(algorithm), Self.isValidEncoded(encoded) else { return nil }
        switch algorithm {
        case "sha256": guard encoded.utf8.count == 64, encoded.utf8.allSatisfy(isLowerHex) else { return nil }
        case "sha512": guard encoded.utf8.count == 128, encoded.utf8.allSatisfy(isLowerHex) else { return nil }
        default: break
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// A sha256 digest from 32 raw hash bytes.
    public init(sha256 bytes: some Sequence<UInt8>) {
        self.algorithm = "sha256"
        self.encoded = bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public var description: String { "\(algorithm):\(encoded)" }
    public var isSHA256: Bool { algorithm == "sha256" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    /// `[a-z0-9]+([+._-][a-z0-9]+)*`
    private static func isValidAlgorithm(_ s: String) -> Bool {
        var previousWasSeparator = true
        for c in s.utf8 {
            if isLowerAlnum(c) {
                previousWasSeparator = false
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") {
                if previousWasSeparator { return false }
                previousWasSeparator = true
            } else {
                return false
            }
        }
        return !s.isEmpty && !previousWasSeparator
    }

    /// `[a-zA-Z0-9=_-]+`
    private static func isValidEncoded(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { c in
            isLowerAlnum(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || c == UInt8(ascii: "=") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}

func isLowerHex(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
}

func isLowerAlnum(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
}
