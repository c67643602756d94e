import Logging
import Synchronization

/// A logger whose lines are kept for the test to read: level and message of each.
final class RecordedLog: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        var logger = Logger(label: "cache-tests") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The levels of the lines whose message contains `text`.
    func levels(of text: String) -> [Logger.Level] {
        lines.withLock { $0.filter { $0.message.contains(text) }.map(\.level) }
    }

    private struct Handler: LogHandler {
        let log: RecordedLog
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        func log(event: LogEvent) {
            log.lines.withLock { $0.append((event.level, "\(event.message)")) }
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }
}
