import Logging
import Store
import StowageConfig

extension ContentStore {
    /// The store the settings name, opened in `role`: the one place a command opens a store.
    public static func open(_ settings: StorageSettings, role: Role, logger: Logger) throws(StorageOpeningError) -> ContentStore {
        do {
            return try ContentStore(root: settings.path, budget: settings.maxBytes.map { StorageBudget(maxBytes: $0) }, role: role, logger: logger)
        } catch {
            throw StorageOpeningError(path: settings.path, error: error)
        }
    }
}

/// The store at `path` could not be opened.
public struct StorageOpeningError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let error: StoreError

    public var description: String { "cannot open storage \(path): \(error)" }
}
