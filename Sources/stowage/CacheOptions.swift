import ArgumentParser
import Foundation
import Logging
import Logs
import Runtime
import Store
import StowageConfig

/// The config file and the flags that override it, shared by every command that works with the
/// cache and its upstreams (`serve`, `preseed`, `check`, `export`, `import`).
struct CacheOptions: ParsableArguments {
    @Option(help: "YAML config file. Default: Configs/stowage.yaml if it exists.")
    var config: String?

    @Option(help: "Data directory (storage.path).")
    var storage: String?

    @Option(help: "Upstream registry base URL, e.g. https://proxy.example.com (upstream.url). Replaces the URL of the config's one upstream, or stands alone in place of a list.")
    var upstream: String?

    @Option(help: "A registry host the upstream answers for in a mirror client's ?ns=, e.g. docker.io; repeatable (upstream.namespaces).")
    var upstreamNamespace: [String] = []

    @Option(help: "Name of the upstream in messages and logs (upstream.name).")
    var upstreamName: String?

    @Option(help: "User name for the upstream, e.g. a license proxy customer's email (upstream.username).")
    var upstreamUsername: String?

    @Option(help: "File holding the upstream password or license ID (upstream.passwordFile).")
    var upstreamPasswordFile: String?

    @Option(help: "Environment variable holding the upstream password (upstream.passwordEnv).")
    var upstreamPasswordEnv: String?

    @Option(help: "Repository prefix at the upstream, e.g. proxy/my-app (upstream.repositoryPrefix).")
    var upstreamPrefix: String?

    @Option(help: "PEM file of CA certificates trusted for the upstream besides the system's (upstream.caFile).")
    var upstreamCaFile: String?

    @Option(help: "A dockerconfigjson file, or its base64 value, whose entry for the upstream's host gives the credentials (upstream.dockerConfigJSON).")
    var upstreamDockerConfigJson: String?

    @Option(help: "Upstream connect timeout, e.g. 5s (upstream.connectTimeout).")
    var connectTimeout: String?

    @Option(help: "Time allowed until the upstream's response headers, e.g. 10s (upstream.responseTimeout).")
    var responseTimeout: String?

    @Option(help: "Longest pause allowed between two chunks of a body being downloaded, e.g. 60s (upstream.readTimeout).")
    var readTimeout: String?

    @Option(help: "Give up a blob download that makes no progress for this long, e.g. 15s: its clients are cut at once and the next request fetches anew (upstream.stallTimeout).")
    var stallTimeout: String?

    @Option(help: "How long a tag the upstream confirmed is served without asking again, e.g. 60s; 0s asks every time (upstream.tagTTL).")
    var tagTTL: String?

    @Option(help: "Disk budget for cached content, e.g. 500MiB or 50GiB; least recently used content is evicted to stay under it (storage.maxSize).")
    var maxSize: String?

    @Option(help: "How long an upstream that failed to connect or answer counts as down before one request probes it, e.g. 10s (upstream.breakerBackoff).")
    var breakerBackoff: String?

    @Option(help: "Consecutive failures to connect or answer in time after which an upstream counts as down, e.g. 3 (upstream.breakerThreshold).")
    var breakerThreshold: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (logLevel).")
    var logLevel: String?

    @Option(help: "text (key=value lines) or json (one object per line) (logFormat).")
    var logFormat: String?

    /// The settings from the config file and these flags (each flag wins over its key).
    /// `serve` passes its own flags in `serving`.
    func settings(serving: ServeOverrides = ServeOverrides()) throws(ConfigError) -> ServeSettings {
        let file = try loadConfigFile(config)
        var overrides = serving
        overrides.storage = storage
        overrides.logLevel = logLevel
        overrides.logFormat = logFormat
        overrides.upstreamURL = upstream
        overrides.upstreamName = upstreamName
        overrides.upstreamUsername = upstreamUsername
        overrides.upstreamPasswordFile = upstreamPasswordFile
        overrides.upstreamPasswordEnv = upstreamPasswordEnv
        overrides.upstreamDockerConfigJSON = upstreamDockerConfigJson
        overrides.upstreamPrefix = upstreamPrefix
        overrides.upstreamCAFile = upstreamCaFile
        overrides.upstreamNamespaces = upstreamNamespace
        overrides.connectTimeout = connectTimeout
        overrides.responseTimeout = responseTimeout
        overrides.readTimeout = readTimeout
        overrides.stallTimeout = stallTimeout
        overrides.tagTTL = tagTTL
        overrides.maxSize = maxSize
        overrides.breakerBackoff = breakerBackoff
        overrides.breakerThreshold = breakerThreshold
        return try ServeSettings.resolve(file: file, overrides: overrides, environment: ProcessInfo.processInfo.environment)
    }

    /// The store, upstreams and cache, opened as a command other than `serve` uses them: beside a
    /// running server (no store lock), logging at `warning` unless `--log-level` says otherwise.
    /// Exits with status 2 for a bad configuration and 1 when the store cannot be opened (or, for
    /// an `existing` one, is not there).
    func open(existing: Bool = false) -> OpenedCache {
        let settings: ServeSettings
        do {
            settings = try self.settings()
        } catch {
            fail("bad configuration: \(error)", status: 2)
        }
        LogFormat.current = LogFormat(rawValue: settings.logFormat) ?? .text
        var logger = Logger(label: "stowage")
        logger.logLevel = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? .warning
        do {
            return try OpenedCache(settings, role: .reader, existing: existing, logger: logger)
        } catch {
            fail("\(error)", status: 1)
        }
    }
}
