import ArgumentParser
import Foundation
import Logging
import Runtime
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

    /// Opens the store that must already be there (these commands inspect or mark what is cached),
    /// or exits with a clear message naming the path (status 1).
    func open(_ role: ContentStore.Role, logLevel: Logger.Level = .warning) -> (ContentStore, StorageSettings) {
        let settings = settings()
        var logger = Logger(label: "stowage")
        logger.logLevel = logLevel
        do {
            return (try ContentStore.open(settings, role: role, existing: true, logger: logger), settings)
        } catch {
            fail("\(error)", status: 1)
        }
    }
}

/// The config file at `path`, or the default `Configs/stowage.yaml` when it exists, or an empty one.
func loadConfigFile(_ path: String?) throws(ConfigError) -> ConfigFile {
    let resolved = path ?? "Configs/stowage.yaml"
    if path == nil && !FileManager.default.fileExists(atPath: resolved) { return ConfigFile() }
    return try ConfigLoader.load(path: resolved)
}
