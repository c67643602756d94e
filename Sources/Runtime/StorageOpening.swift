import Foundation
import Logging
import Store
import StowageConfig

extension ContentStore {
    /// The store the settings name, opened in `role`: the one place a command opens a store.
    /// `existing` commands (inspection, export) refuse a store that is not there instead of
    /// creating an empty one wherever they were started.
    /// `minimumFreeBytes`: the free space downloads leave on the filesystem (`storage.minFreeSpace`).
    public static func open(_ settings: StorageSettings, role: Role, existing: Bool = false, minimumFreeBytes: Int64? = nil,
                            logger: Logger) throws(StorageOpeningError) -> ContentStore {
        let path = settings.absolutePath
        if existing && !FileManager.default.fileExists(atPath: StorageLayout(root: path).indexDirectory) {
            throw StorageOpeningError(path: path, reason: .missing)
        }
        do {
            return try ContentStore(root: path, budget: settings.maxBytes.map { StorageBudget(maxBytes: $0) }, minimumFreeBytes: minimumFreeBytes,
                                    role: role, logger: logger)
        } catch {
            throw StorageOpeningError(path: path, reason: .store(error))
        }
    }
}

/// The store at `path` (absolute) could not be opened.
public struct StorageOpeningError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable {
        /// There is no store there (and the command does not create one).
        case missing
        case store(StoreError)
        /// The store's content belongs to upstream `stored`; the one upstream configured, named by
        /// its URL's host, is `configured`: the URL changed, and with it the name.
        case upstreamRenamed(stored: String, configured: String)
    }

    public let path: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .missing: "no store at \(path): nothing has been cached there (name the data directory with --storage or storage.path)"
        case .store(let error): "cannot open storage \(path): \(error)"
        case .upstreamRenamed(let stored, let configured):
            "the store \(path) holds the content of upstream \(stored), and the configured upstream, which has no name, is named "
                + "\(configured) by its URL's host: the URL changed, and so did the name the store keys its content by. To keep serving "
                + "what is cached, name the upstream as before: upstream.name: \(stored) (or --upstream-name \(stored)). To start over "
                + "with \(configured), name it so instead (upstream.name: \(configured)); `stowage rm` then frees the old content"
        }
    }
}
