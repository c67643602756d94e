import Logging
import NIOPosix
import Synchronization

/// A value made from files (a TLS identity, an htpasswd file), read at start-up and made again when
/// the files change, without a restart: new requests get the new value, work already under way
/// keeps the one it took.
///
/// The files are polled, one `stat` each per interval on NIO's thread pool (never on the event loop
/// or the cooperative pool), rather than watched with inotify, which misses the symlink swap of a
/// Kubernetes secret and the replacement of a watched directory. SIGHUP reloads at once.
///
/// A change that cannot be loaded (a certificate written before its key, a typo) is logged once and
/// the previous value kept; the next change to any of the files is tried again, so files replaced
/// one after the other load as soon as the last one lands.
public final class ReloadingFiles<Value: Sendable>: Sendable {
    /// What the value is, for log lines: "TLS certificate", "htpasswd".
    public let name: String
    public let paths: [String]
    private let load: @Sendable () throws -> Value
    private let state: Mutex<State>
    private let logger: Logger

    private struct State {
        var value: Value
        /// The files as last tried, loaded or not.
        var stamps: [FileStamp?]
    }

    /// Loads the value once; a failure here is the caller's to report (Stowage does not start).
    public init(name: String, paths: [String], logger: Logger, load: @escaping @Sendable () throws -> Value) throws {
        let stamps = paths.map(FileStamp.of)
        self.name = name
        self.paths = paths
        self.load = load
        self.logger = logger
        state = Mutex(State(value: try load(), stamps: stamps))
    }

    /// The value as last loaded.
    public var current: Value { state.withLock { $0.value } }

    /// What a reload did.
    public enum Outcome: Equatable, Sendable {
        case unchanged, reloaded, failed
    }

    /// Reads the files again if any changed since last tried (or always, when `force`: SIGHUP).
    @discardableResult
    public func reload(force: Bool = false) async -> Outcome {
        let (paths, load) = (self.paths, self.load)
        let known = state.withLock { $0.stamps }
        let attempt: (stamps: [FileStamp?], result: Result<Value, any Error>?)
        do {
            attempt = try await NIOThreadPool.singleton.runIfActive {
                let stamps = paths.map(FileStamp.of)
                guard force || stamps != known else { return (stamps, nil) }
                return (stamps, Result { try load() })
            }
        } catch {
            return .unchanged  // the thread pool is shutting down: so is the process
        }
        guard let result = attempt.result else { return .unchanged }
        switch result {
        case .success(let value):
            state.withLock { $0 = State(value: value, stamps: attempt.stamps) }
            logger.notice("\(name) reloaded", metadata: ["files": "\(paths.joined(separator: ","))"])
            return .reloaded
        case .failure(let error):
            state.withLock { $0.stamps = attempt.stamps }
            logger.error("\(name) changed but cannot be loaded; still using the one loaded before",
                         metadata: ["files": "\(paths.joined(separator: ","))", "error": "\(error)"])
            return .failed
        }
    }

    /// Polls every `interval` until the task is cancelled.
    public func watch(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await reload()
        }
    }
}
