import Console
import Glibc
import Logging
import Synchronization

/// Stowage's log handler: each record as one `LogLine` (text or JSON, `LogFormat.current`) on
/// standard error, written whole with one `write` under a process-wide lock (lines from different
/// threads never interleave). A failed write (a closed pipe, a full disk) loses that line and
/// nothing else: a log sink is never a reason to stop serving.
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    /// Serialises writes to descriptor 2 across every handler of the process.
    private static let writing = Mutex(())

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        let (level, values, source, message) = ("\(event.level)", merged.mapValues { "\($0)" }, event.source, event.message.description)
        let line = switch LogFormat.current {
        case .text: LogLine.text(time: Self.localTime(), level: level, label: label, metadata: values, source: source, message: message)
        case .json: LogLine.json(time: Self.utcTime(), level: level, label: label, metadata: values, source: source, message: message)
        }
        Self.writing.withLock { _ in _ = writeAll(line + "\n", to: STDERR_FILENO) }
    }

    /// Local time with its offset, to the second: `2026-11-30T06:19:29+0000` (the text format's).
    private static func localTime() -> String {
        var seconds = time(nil)
        var local = tm()
        localtime_r(&seconds, &local)
        return format(local, "%Y-%m-%dT%H:%M:%S%z")
    }

    /// UTC to the millisecond, RFC 3339: `2026-11-30T06:19:29.123Z` (the JSON format's).
    private static func utcTime() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var utc = tm()
        gmtime_r(&seconds, &utc)
        let milliseconds = now.tv_nsec / 1_000_000
        return format(utc, "%Y-%m-%dT%H:%M:%S") + "." + (milliseconds < 10 ? "00" : milliseconds < 100 ? "0" : "") + "\(milliseconds)Z"
    }

    private static func format(_ time: tm, _ pattern: String) -> String {
        var time = time
        var buffer = [Int8](repeating: 0, count: 40)
        let count = strftime(&buffer, buffer.count, pattern, &time)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
