/// Parses durations written as `500ms`, `5s`, `2m`, `1h` (a bare number means seconds).
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: " ")
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            return milliseconds(Double(trimmed.dropLast(suffix.count)), scale: scale)
        }
        return milliseconds(Double(trimmed), scale: 1)
    }

    /// `value` units of `scale` seconds; nil when negative, not finite, or beyond what a Duration of
    /// milliseconds holds (about 292 million years: a typo, never a setting).
    private static func milliseconds(_ value: Double?, scale: Double) -> Duration? {
        guard let value, value >= 0, value.isFinite else { return nil }
        let total = (value * scale * 1000).rounded()
        guard total < 9.0e18 else { return nil }
        return .milliseconds(Int64(total))
    }
}

extension String {
    /// Trims any of `set`'s scalars from both ends (scalars, so "\r\n" is two of them).
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var s = Substring(self).unicodeScalars
        while let c = s.first, scalars.contains(c) { s.removeFirst() }
        while let c = s.last, scalars.contains(c) { s.removeLast() }
        return String(s)
    }
}
