import Foundation

/// Where the cache keeps its data and how much of the disk it may use: what `serve` and the
/// store commands (`stats`, `ls`, `pin`, `verify`) share.
public struct StorageSettings: Sendable, Equatable {
    public var path: String
    /// Committed bytes the cache may hold; nil means no limit.
    public var maxBytes: Int64?

    public static let defaultPath = "Storage"

    /// `path` made absolute against the working directory (a flag's, or the default's, base), as
    /// messages and the start-up line name it. A config file's relative path is already absolute.
    public var absolutePath: String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public init(path: String = defaultPath, maxBytes: Int64? = nil) {
        self.path = path
        self.maxBytes = maxBytes
    }

    /// The file's `storage` section with the `--storage` and `--max-size` flags applied.
    public static func resolve(file: ConfigFile, path: String?, maxSize: String?) throws(ConfigError) -> StorageSettings {
        let resolvedPath = path ?? file.storage?.path ?? defaultPath
        guard !resolvedPath.isEmpty else { throw ConfigError(key: path != nil ? "--storage" : "storage.path", problem: "must not be empty") }
        var maxBytes: Int64?
        if let text = maxSize ?? file.storage?.maxSize {
            let key = maxSize != nil ? "--max-size" : "storage.maxSize"
            guard let bytes = ByteSizeText.parse(text), bytes > 0 else {
                throw ConfigError(key: key, problem: "must be a positive size such as 500MiB or 50GiB (got \"\(text)\")")
            }
            maxBytes = bytes
        }
        return StorageSettings(path: resolvedPath, maxBytes: maxBytes)
    }
}
