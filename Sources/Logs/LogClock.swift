import Glibc

/// The time at the start of a log line, in the format's own form, formatted once per second:
/// `strftime` and the time-zone lookup cost about a microsecond, and a busy server writes
/// thousands of lines a second (the access lines).
///
/// The cache is per thread (`ThreadLocal`): two event loops writing access lines never share a lock.
public enum LogClock {
    private final class Cached {
        var second = -1
        var local = ""
        var utc = ""
    }

    private static let cache = ThreadLocal { Cached() }

    /// `2026-11-30T06:19:29+0000` (text: local time with its offset, to the second) or
    /// `2026-11-30T06:19:29.123Z` (json: UTC, RFC 3339, to the millisecond).
    public static func stamp(_ format: LogFormat) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        let cached = cache.value()
        if cached.second != second {
            var seconds = second
            var parts = tm()
            localtime_r(&seconds, &parts)
            cached.local = strftime(parts, "%Y-%m-%dT%H:%M:%S%z")
            gmtime_r(&seconds, &parts)
            cached.utc = strftime(parts, "%Y-%m-%dT%H:%M:%S")
            cached.second = second
        }
        let (local, utc) = (cached.local, cached.utc)
        switch format {
        case .text:
            return local
        case .json:
            let milliseconds = now.tv_nsec / 1_000_000
            return utc + (milliseconds < 10 ? ".00" : milliseconds < 100 ? ".0" : ".") + "\(milliseconds)Z"
        }
    }

    private static func strftime(_ time: tm, _ pattern: String) -> String {
        var time = time
        var buffer = [Int8](repeating: 0, count: 40)
        let count = Glibc.strftime(&buffer, buffer.count, pattern, &time)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
