/// A content digest, `algorithm:encoded`, validated against the OCI image-spec grammar.
///
/// `sha256` and `sha512` must be lowercase hex of their exact length; any other algorithm
/// that fits the grammar is accepted (and stored by its string), as the spec asks.
///
/// Held as its one string (what every header, index key and message uses), so parsing one from
/// a request path allocates once and `description` allocates nothing: digests are parsed on
/// every hit.
public struct Digest: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let description: String
    /// Bytes before the `:`.
    private let algorithmLength: Int

    public init?(_ string: String) {
        var string = string
        guard let length = string.withUTF8(Self.validatedAlgorithmLength) else { return nil }
        description = string
        algorithmLength = length
    }

    public init?(_ string: Substring) {
        var string = string
        guard let length = string.withUTF8(Self.validatedAlgorithmLength) else { return nil }
        description = String(string)
        algorithmLength = length
    }

    /// A sha256 digest from 32 raw hash bytes.
    public init(sha256 bytes: some Sequence<UInt8>) {
        let hex = Array("0123456789abcdef".utf8)
        var text = Array("sha256:".utf8)
        for byte in bytes {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        description = String(decoding: text, as: UTF8.self)
        algorithmLength = 6
    }

    /// The parts, as views of `description` (no copy: blob paths are built from them on every hit).
    public var algorithm: Substring { description[..<description.utf8.index(description.startIndex, offsetBy: algorithmLength)] }
    public var encoded: Substring { description[description.utf8.index(description.startIndex, offsetBy: algorithmLength + 1)...] }
    public var isSHA256: Bool { algorithmLength == 6 && description.utf8.starts(with: "sha256".utf8) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    /// The length of the algorithm when `text` is a valid digest; nil otherwise.
    private static func validatedAlgorithmLength(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let algorithm = UnsafeBufferPointer(rebasing: text[..<colon])
        let encoded = UnsafeBufferPointer(rebasing: text[(colon + 1)...])
        guard isValidAlgorithm(algorithm), isValidEncoded(encoded) else { return nil }
        if algorithm.elementsEqual("sha256".utf8) {
            guard encoded.count == 64, encoded.allSatisfy(isLowerHex) else { return nil }
        } else if algorithm.elementsEqual("sha512".utf8) {
            guard encoded.count == 128, encoded.allSatisfy(isLowerHex) else { return nil }
        }
        return colon
    }

    /// `[a-z0-9]+([+._-][a-z0-9]+)*`
    private static func isValidAlgorithm(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var previousWasSeparator = true
        for c in s {
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
    private static func isValidEncoded(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        !s.isEmpty && s.allSatisfy { c in
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
