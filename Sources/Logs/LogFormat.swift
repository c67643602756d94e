import Synchronization

/// How every log record of the process is written: `text` (`LogLine.text`, the default) or `json`
/// (`LogLine.json`, one object per line). Chosen once the configuration is read (`logFormat`,
/// `--log-format`), after the logging system was bootstrapped, so it is one process-wide value
/// that the handler reads per record (an atomic load).
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json

    private static let selected = Atomic<Bool>(false)  // true: json

    /// The format every handler writes from now on.
    public static var current: LogFormat {
        get { selected.load(ordering: .relaxed) ? .json : .text }
        set { selected.store(newValue == .json, ordering: .relaxed) }
    }
}
