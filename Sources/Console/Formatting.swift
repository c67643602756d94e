/// Human-readable sizes, rates and durations for terminal output. Binary units with one decimal;
/// no Foundation, so the text is the same on every platform and locale.
public enum Formatting {
    private static let units = ["KiB", "MiB", "GiB", "TiB"]

    /// `0 B`, `1023 B`, `1.0 KiB`, `12.3 MiB`, `1.5 GiB`. A value that would round to 1024.0 of a unit
    /// is shown in the next one (`1.0 MiB`, not `1024.0 KiB`).
    public static func bytes(_ count: Int64) -> String {
        if count < 0 { return "-" + bytes(count == .min ? .max : -count) }
        if count < 1024 { return "\(count) B" }
        var value = Double(count) / 1024
        var unit = 0
        while unit < units.count - 1, (value * 10).rounded() >= 10240 {
            value /= 1024
            unit += 1
        }
        return "\(oneDecimal(value)) \(units[unit])"
    }

    /// `5.1 MiB/s`; `--` for a rate that is not a finite, non-negative number.
    public static func rate(bytesPerSecond: Double) -> String {
        guard bytesPerSecond.isFinite, bytesPerSecond >= 0 else { return "--" }
        return bytes(Int64(min(bytesPerSecond, 9.0e18).rounded())) + "/s"
    }

    /// Whole seconds, for ETAs and elapsed time: `6s`, `2m05s`, `1h02m`; `--` when not a finite,
    /// non-negative number.
    public static func duration(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let total = Int64(min(seconds, 1.0e12).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(twoDigits(total % 60))s" }
        return "\(total / 3600)h\(twoDigits(total % 3600 / 60))m"
    }

    /// Tenths under a minute (`2.1s`), for how long something took; otherwise as `duration`.
    public static func preciseDuration(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let tenths = Int64((min(seconds, 1.0e12) * 10).rounded())
        guard tenths < 600 else { return duration(seconds: seconds) }
        return "\(tenths / 10).\(tenths % 10)s"
    }

    /// An estimate to completion, `--` when there is none.
    public static func eta(seconds: Double?) -> String {
        seconds.map { duration(seconds: $0) } ?? "--"
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
