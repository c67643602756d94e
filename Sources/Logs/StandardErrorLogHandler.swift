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
        let format = LogFormat.current
        let fields = merged.keys.sorted().map { key in LogLine.Field(key, "\(merged[key] ?? "")") }
        let line = LogLine.render(format, time: LogClock.stamp(format), level: "\(event.level)", label: label, fields: fields,
                                  source: event.source, message: event.message.description)
        Self.writing.withLock { _ in _ = writeAll(line + "\n", to: STDERR_FILENO) }
    }
}
