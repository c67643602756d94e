import ArgumentParser
import Foundation
import Logging
import Store
import StowageConfig

/// Options every store command shares: which config file and which data directory.
struct StoreOptions: ParsableArguments {
    @Option(help: "YAML config file. Default: Configs/stowage.yaml if it exists.")
    var config: String?

    @Option(help: "Data directory (storage.path).")
    var storage: String?

    @Option(help: "Disk budget, e.g. 50GiB (storage.maxSize): what stats compares against and a repair evicts down to.")
    var maxSize: String?

    /// The storage settings from the config file and flags; a bad config exits with status 2.
    func settings() -> StorageSettings {
        do {
            return try StorageSettings.resolve(file: loadConfigFile(config), path: storage, maxSize: maxSize)
        } catch {
            fail("bad configuration: \(error)", status: 2)
        }
    }

    /// Opens the store, or exits with a clear message (status 1).
    func open(_ role: ContentStore.Role, logLevel: Logger.Level = .warning) -> (ContentStore, StorageSettings) {
        let settings = settings()
        var logger = Logger(label: "stowage")
        logger.logLevel = logLevel
        do {
            let store = try ContentStore(root: settings.path, budget: settings.maxBytes.map { StorageBudget(maxBytes: $0) }, role: role, logger: logger)
            return (store, settings)
        } catch {
            fail("cannot open storage \(settings.path): \(error)", status: 1)
        }
    }
}

/// The config file at `path`, or the default `Configs/stowage.yaml` when it exists, or an empty one.
func loadConfigFile(_ path: String?) throws(ConfigError) -> ConfigFile {
    let resolved = path ?? "Configs/stowage.yaml"
    if path == nil && !FileManager.default.fileExists(atPath: resolved) { return ConfigFile() }
    return try ConfigLoader.load(path: resolved)
}

/// Prints `stowage: message` to stderr and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("stowage: \(message)\n".utf8))
    Foundation.exit(status)
}

/// An ISO 8601 UTC time for seconds since the epoch.
func isoTime(_ seconds: Int64) -> String {
    Date(timeIntervalSince1970: TimeInterval(seconds)).ISO8601Format()
}
