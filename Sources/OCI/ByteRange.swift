/// A single HTTP byte range (`Range: bytes=a-b`, `a-`, `-n`), resolved against a known size.
/// Multi-range requests are answered with the whole body, which RFC 9110 allows.
public struct ByteRange: Hashable, Sendable {
    /// Inclusive bounds within the representation.
    public let first: Int64
    public let last: Int64

    public var count: Int64 { last - first + 1 }

    public init(first: Int64, last: Int64) {
        self.first = first
        self.last = last
    }

    public enum Resolution: Equatable, Sendable {
        /// No usable single range: serve the whole representation (200).
        case whole
        /// Serve this part (206).
        case partial(ByteRange)
        /// The range cannot be satisfied for this size (416).
        case unsatisfiable
    }

    /// Resolves a `Range` header value against a body of `size` bytes. Malformed or multi-range
    /// headers are ignored (`.whole`), as RFC 9110 §14.2 permits.
    public static func resolve(header: String?, size: Int64) -> Resolution {
        guard let header else { return .whole }
        let trimmed = header.trimmingCharacters(of: " \t")
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst("bytes=".count).trimmingCharacters(of: " \t")
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let startText = spec[..<dash].trimmingCharacters(of: " \t")
        let endText = spec[spec.index(after: dash)...].trimmingCharacters(of: " \t")
        if startText.isEmpty {
            // Suffix: the last n bytes.
            guard let n = position(endText) else { return .whole }
            guard n > 0, size > 0 else { return .unsatisfiable }
            return .partial(ByteRange(first: max(0, size - n), last: size - 1))
        }
        guard let start = position(startText) else { return .whole }
        var end = size - 1
        if !endText.isEmpty {
            guard let parsed = position(endText) else { return .whole }
            guard parsed >= start else { return .whole }
            end = min(parsed, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .partial(ByteRange(first: start, last: end))
    }
}

extension ByteRange {
    /// A byte position: ASCII digits only; one beyond `Int64.max` is `Int64.max` (no representation
    /// is that long, so the range is cut to the end or unsatisfiable, as RFC 9110 says, not ignored).
    static func position(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(text) ?? .max
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    func trimmingCharacters(of set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
