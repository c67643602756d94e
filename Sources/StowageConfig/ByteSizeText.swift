/// Parses sizes written as `500MiB`, `50GiB`, `2TB` or a bare number of bytes. Binary units
/// (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB) powers of 1000.
public enum ByteSizeText {
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: " ")
        let units: [(String, Double)] = [
            ("KiB", 1024), ("MiB", 1024 * 1024), ("GiB", 1024 * 1024 * 1024), ("TiB", 1024 * 1024 * 1024 * 1024),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
        ]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            return bytes(String(trimmed.dropLast(suffix.count)).trimmingCharacters(in: " "), scale: scale)
        }
        return bytes(trimmed, scale: 1)
    }

    private static func bytes(_ number: String, scale: Double) -> Int64? {
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        let total = (value * scale).rounded()
        guard total < 9.0e18 else { return nil }
        return Int64(total)
    }
}
