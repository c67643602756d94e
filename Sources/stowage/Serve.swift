import ArgumentParser
import AsyncHTTPClient
import Cache
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Server
import Store
import StowageConfig
import Upstream

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the OCI pull API, fetching misses from the upstream.",
        discussion: "Settings come from the YAML config (Configs/stowage.yaml documents every key); each flag overrides its key."
    )

    @Option(help: "YAML config file. Default: Configs/stowage.yaml if it exists.")
    var config: String?

    @Option(help: "Address to listen on, HOST:PORT (listen).")
    var listen: String?

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

    @Option(help: "Upstream connect timeout, e.g. 5s (upstream.connectTimeout).")
    var connectTimeout: String?

    @Option(help: "Time allowed until the upstream's response headers, e.g. 10s (upstream.responseTimeout).")
    var responseTimeout: String?

    @Option(help: "How long a tag the upstream confirmed is served without asking again, e.g. 60s; 0s asks every time (upstream.tagTTL).")
    var tagTTL: String?

    @Option(help: "Disk budget for cached content, e.g. 500MiB or 50GiB; least recently used content is evicted to stay under it (storage.maxSize).")
    var maxSize: String?

    @Option(help: "How long an upstream that failed to connect or answer counts as down before one request probes it, e.g. 10s (upstream.breakerBackoff).")
    var breakerBackoff: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (logLevel).")
    var logLevel: String?

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try loadSettings()
        } catch {
            FileHandle.standardError.write(Data("stowage: bad configuration: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var logger = Logger(label: "stowage")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info

        let store: ContentStore
        do {
            store = try ContentStore(root: settings.storage.path, budget: settings.storage.maxBytes.map { StorageBudget(maxBytes: $0) },
                                     role: .server, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("stowage: cannot open storage \(settings.storage.path): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let httpClients = settings.upstreams.map { RegistryClient.makeHTTPClient(settings: $0.settings) }
        let upstreams = zip(settings.upstreams, httpClients).map { definition, httpClient in
            CachedUpstream(client: RegistryClient(httpClient: httpClient, settings: definition.settings, logger: logger),
                           tagTTL: definition.tagTTL, namespaces: definition.namespaces, isDefault: definition.isDefault)
        }
        let cache = PullThroughCache(store: store, upstreams: upstreams, logger: logger)
        let server = RegistryServer(cache: cache, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let budget = settings.storage.maxBytes.map { " of \(humanBytes($0))" } ?? ", no size limit"
        let names = settings.upstreams.map(\.settings.name)
        let upstreamText = names.count == 1 ? "upstream \(names[0])" : "upstreams \(names.joined(separator: ", "))"
        for upstream in upstreams {
            let rule = upstream.rule
            logger.info("upstream", metadata: [
                "name": "\(rule.name)", "url": "\(upstream.client.settings.baseURL)", "namespaces": "\(rule.namespaces.joined(separator: ","))",
                "default": "\(rule.isDefault)", "dockerHub": "\(rule.isDockerHub)",
            ])
        }

        let serving = Task {
            try await server.run(host: settings.listenHost, port: settings.listenPort) { address in
                let line = "stowage: serving on http://\(address.ipAddress ?? settings.listenHost):\(address.port ?? settings.listenPort) (\(upstreamText), storage \(settings.storage.path)\(budget))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
        let flushing = Task { [logger] in await Self.flushAccesses(store, logger: logger) }
        let signals = ShutdownSignals { serving.cancel() }
        defer { signals.cancel() }
        do {
            try await serving.value
        } catch is CancellationError {
            logger.notice("shutting down")
        } catch {
            flushing.cancel()
            await store.close()
            await shutdown(httpClients)
            FileHandle.standardError.write(Data("stowage: cannot serve on \(settings.listenHost):\(settings.listenPort): \(error)\n".utf8))
            throw ExitCode(1)
        }
        flushing.cancel()
        await store.close()
        await shutdown(httpClients)
    }

    private func shutdown(_ clients: [HTTPClient]) async {
        for client in clients { try? await client.shutdown() }
    }

    /// Writes the accesses noted on the read path once a second (invariant 6: reads do not write).
    private static func flushAccesses(_ store: ContentStore, logger: Logger) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            do {
                try await store.flushAccesses()
            } catch {
                logger.error("could not record accesses", metadata: ["error": "\(error)"])
            }
        }
    }

    private func loadSettings() throws(ConfigError) -> ServeSettings {
        let file = try loadConfigFile(config)
        var overrides = ServeOverrides()
        overrides.listen = listen
        overrides.storage = storage
        overrides.logLevel = logLevel
        overrides.upstreamURL = upstream
        overrides.upstreamName = upstreamName
        overrides.upstreamUsername = upstreamUsername
        overrides.upstreamPasswordFile = upstreamPasswordFile
        overrides.upstreamPasswordEnv = upstreamPasswordEnv
        overrides.upstreamPrefix = upstreamPrefix
        overrides.upstreamNamespaces = upstreamNamespace
        overrides.connectTimeout = connectTimeout
        overrides.responseTimeout = responseTimeout
        overrides.tagTTL = tagTTL
        overrides.maxSize = maxSize
        overrides.breakerBackoff = breakerBackoff
        return try ServeSettings.resolve(file: file, overrides: overrides, environment: ProcessInfo.processInfo.environment)
    }
}
