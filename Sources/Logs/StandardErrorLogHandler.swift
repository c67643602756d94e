import Console
import Glibc
import Logging
import Synchronization

/// Stowage's log handler: each record as one `LogLine` on standard error, written whole with one
/// `write` under a process-wide lock (lines from different threads never interleave). A failed
/// write (a closed pipe, a full disk) loses that line and nothing else: a log sink is never a
/// reason to stop serving.
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
        let line = LogLine.text(time: Self.now(), level: "\(event.level)", label: label,
                                metadata: merged.mapValues { "\($0)" }, source: event.source, message: event.message.description)
        Self.writing.withLock { _ in _ = writeAll(line + "\n", to: STDERR_FILENO) }
    }

    /// Local time with its offset, to the second: `2026-11-30T06:19:29+0000`.
    private static func now() -> String {
        var seconds = time(nil)
        var local = tm()
        localtime_r(&seconds, &local)
        var buffer = [Int8](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
