import Access
import ArgumentParser
import Cache
import Console
import Dispatch
import Foundation
import Logging
import Logs
import Prometheus
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import Runtime
import Server
import ServiceLifecycle
import Store
import StowageConfig
import Upstream

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the OCI pull API, fetching misses from the upstream.",
        discussion: "Settings come from the YAML config (Configs/stowage.yaml documents every key); each flag overrides its key."
    )

    @Option(help: "Address to listen on, HOST:PORT (listen).")
    var listen: String?

    @Option(help: "Close a connection with no request for this long, e.g. 60s (connections.idleTimeout).")
    var idleTimeout: String?

    @Option(help: "Close a connection whose request head is not complete this long after its first byte, e.g. 10s (connections.requestHeadTimeout).")
    var requestHeadTimeout: String?

    @Option(help: "Most client connections open at once; more are closed on arrival. Default: from the descriptor limit (connections.maxConnections).")
    var maxConnections: Int?

    @Option(help: "After SIGTERM, keep serving this long with /readyz answering 503, e.g. 5s (connections.drainDelay).")
    var drainDelay: String?

    @Option(help: "Then give requests in progress this long to finish, e.g. 60s (connections.drainTimeout).")
    var drainTimeout: String?

    @Option(help: "/readyz answers 503 below this much free space on the storage filesystem, e.g. 256MiB (storage.minFreeSpace).")
    var minFreeSpace: String?

    @Flag(help: "Write an access line for every request at info level (accessLog: true); otherwise they are written at debug.")
    var accessLog = false

    @Option(help: "Address of the metrics listener (/metrics and the health probes), HOST:PORT or off (metrics.listen).")
    var metricsListen: String?

    @Option(help: "Serve HTTPS with this PEM certificate chain, leaf first (tls.certificate); reloaded when it changes.")
    var tlsCertificate: String?

    @Option(help: "The PEM private key of --tls-certificate (tls.key).")
    var tlsKey: String?

    @Option(help: "Require client certificates signed by these PEM CA certificates: mutual TLS (tls.clientCA).")
    var tlsClientCA: String?

    @Option(help: "Authenticate clients against this htpasswd file of bcrypt hashes (auth.htpasswd); reloaded when it changes.")
    var htpasswd: String?

    @OptionGroup var options: CacheOptions

    func run() async throws {
        let settings: ServeSettings
        var overrides = ServeOverrides()
        overrides.listen = listen
        overrides.idleTimeout = idleTimeout
        overrides.requestHeadTimeout = requestHeadTimeout
        overrides.maxConnections = maxConnections
        overrides.drainDelay = drainDelay
        overrides.drainTimeout = drainTimeout
        overrides.minFreeSpace = minFreeSpace
        if accessLog { overrides.accessLog = true }
        overrides.metricsListen = metricsListen
        overrides.tlsCertificate = tlsCertificate
        overrides.tlsKey = tlsKey
        overrides.tlsClientCA = tlsClientCA
        overrides.htpasswd = htpasswd
        do {
            settings = try options.settings(serving: overrides)
        } catch {
            write("stowage: bad configuration: \(error)\n", to: .error)
            throw ExitCode(2)
        }
        LogFormat.current = LogFormat(rawValue: settings.logFormat) ?? .text
        var logger = Logger(label: "stowage")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info

        // Before anything creates a metric (the upstreams opened next do): the handles are made by the
        // factory bootstrapped here. With `metrics.listen: off` nothing is recorded (no-op handlers).
        let metrics = PrometheusCollectorRegistry()
        if settings.metricsListen != nil { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics)) }
        let requestMetrics = settings.metricsListen == nil ? nil : RequestMetrics()

        let opened: OpenedCache
        do {
            opened = try OpenedCache(settings, role: .server, logger: logger)
        } catch {
            write("stowage: \(error)\n", to: .error)
            throw ExitCode(1)
        }
        let (store, upstreams, cache) = (opened.store, opened.upstreams, opened.cache)
        let tls: ReloadingFiles<NIOSSLContext>?
        let access: ClientAccess?
        do {
            tls = try settings.tls.map { settings in
                let files = TLSFiles(certificateChain: settings.certificate, privateKey: settings.key, clientCA: settings.clientCA)
                return try ReloadingFiles(name: "TLS certificate", paths: files.paths, logger: logger) { try files.serverContext() }
            }
            access = try settings.auth.map { try Self.clientAccess($0, logger: logger) }
        } catch {
            await opened.close()
            write("stowage: \(error)\n", to: .error)
            throw ExitCode(1)
        }
        let descriptorLimit = DescriptorBudget.raiseSoftLimit()
        let limits = ConnectionLimits(
            idleTimeout: settings.connections.idleTimeout, requestHeadTimeout: settings.connections.requestHeadTimeout,
            maxConnections: settings.connections.maxConnections ?? DescriptorBudget.maxConnections(descriptorLimit: descriptorLimit),
            drainTimeout: settings.connections.drainTimeout)
        let health = ServerHealth(storagePath: settings.storage.absolutePath, minimumFreeBytes: settings.minFreeBytes)
        health.record(ServerHealth.DiskSample.of(settings.storage.absolutePath))
        var metricsChannel: (any Channel)?
        if let listen = settings.metricsListen {
            do {
                metricsChannel = try await MetricsServer(health: health, group: MultiThreadedEventLoopGroup.singleton, logger: logger,
                                                         tls: settings.metricsTLS ? tls : nil) {
                    metrics.emitToBuffer() + (requestMetrics?.exposition() ?? [])
                }.bind(host: listen.host, port: listen.port)
            } catch {
                await opened.close()
                write("stowage: cannot serve metrics on \(listen.host):\(listen.port): \(error)\n", to: .error)
                throw ExitCode(1)
            }
        }
        let metricsText = metricsChannel?.localAddress.map { ", metrics \(settings.metricsTLS ? "https" : "http")://\($0.ipAddress ?? "?"):\($0.port ?? 0)/metrics" } ?? ""
        let server = RegistryServer(cache: cache, health: health, group: MultiThreadedEventLoopGroup.singleton, limits: limits, logger: logger,
                                    accessLogEveryRequest: settings.accessLog, requestMetrics: requestMetrics, tls: tls, access: access)
        let budget = settings.storage.maxBytes.map { " of \(Formatting.bytes($0))" } ?? ", no size limit"
        let names = settings.upstreams.map(\.settings.name)
        let upstreamText = switch names.count {
        case 0: "no upstream: serving the store only"
        case 1: "upstream \(names[0])"
        default: "upstreams \(names.joined(separator: ", "))"
        }
        for upstream in upstreams {
            let rule = upstream.rule
            let settings = upstream.registry.settings
            logger.info("upstream", metadata: [
                "name": "\(rule.name)", "url": "\(settings.isConfigured ? settings.baseURL : "none: offline, serving what was imported")",
                "namespaces": "\(rule.namespaces.joined(separator: ","))", "pathPrefix": "\(rule.pathPrefix ?? "none")",
                "default": "\(rule.isDefault)", "dockerHub": "\(rule.isDockerHub)",
            ])
        }

        let serving = PullAPIService(server: server, host: settings.listenHost, port: settings.listenPort) { address in
            let line = "stowage: serving on \(tls == nil ? "http" : "https")://\(address.ipAddress ?? settings.listenHost):\(address.port ?? settings.listenPort) (\(upstreamText), storage \(settings.storage.absolutePath)\(budget)\(metricsText))\n"
            // A reader that has gone (a closed pipe) is no reason to stop serving.
            write(line, to: .output)
        }
        // In start order; stopped in the reverse order (`ServeServices.swift`): the pull API first.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            BackgroundService("access times") { [logger] in await Self.flushAccesses(store, logger: logger) },
            BackgroundService("disk samples") { await health.sampleDisk() },
            BackgroundService("file watch") {
                async let certificates: Void = tls?.watch() ?? ()
                async let users: Void = access?.credentials.watch() ?? ()
                _ = await (certificates, users)
            },
            BackgroundService("store gauges") { [logger] in await StoreGauges(budget: settings.storage.maxBytes).sample(store, logger: logger) },
            BackgroundService("memory return") { await MemoryReturn.run() },
        ].map { .init(service: $0, successTerminationBehavior: .ignore) }
        if let metricsChannel { services.append(.init(service: MetricsListenerService(channel: metricsChannel))) }
        services.append(.init(service: serving))
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        // A safety net: the pull API ends its own drain after `drainTimeout`; anything still running
        // 10 s later is cancelled rather than keeping the process alive.
        configuration.maximumGracefulShutdownDuration = settings.connections.drainTimeout + .seconds(10)
        let group = ServiceGroup(configuration: configuration)
        let drain = Drain(health: health, delay: settings.connections.drainDelay, timeout: settings.connections.drainTimeout, logger: logger) {
            Task { await group.triggerGracefulShutdown() }
        }
        let signals = ServeSignals(onStop: { interrupted in
            drain.begin(interrupted: interrupted)
        }, onReload: { [logger, options, overrides, tls, access] in
            Task {
                await Self.reload(options: options, serving: overrides, into: opened, logger: logger)
                await tls?.reload(force: true)
                await access?.credentials.reload(force: true)
            }
        })
        defer { signals.cancel() }
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        BufferedLines.standardError.flush()
        await opened.close()
        if let failure {
            write("stowage: cannot serve on \(settings.listenHost):\(settings.listenPort): \(failure)\n", to: .error)
            throw ExitCode(1)
        }
        logger.notice("stopped")
    }

    /// SIGHUP: reads the configuration again and uses the upstream credentials it names now (a
    /// license file or variable that changed); a configuration that no longer parses changes
    /// nothing. Never stops the server. The TLS files and the htpasswd file are read again too (they
    /// are also read again within a second of changing on disk).
    private static func reload(options: CacheOptions, serving: ServeOverrides, into opened: OpenedCache, logger: Logger) async {
        let settings: ServeSettings
        do {
            settings = try options.settings(serving: serving)
        } catch {
            logger.error("SIGHUP: configuration not reloaded, still serving with the one read before", metadata: ["error": "\(error)"])
            return
        }
        let changed = await opened.reloadCredentials(from: settings)
        logger.notice(changed.isEmpty ? "SIGHUP: upstream credentials unchanged; still serving"
                                      : "SIGHUP: upstream credentials reloaded; still serving", metadata: ["upstreams": "\(changed.joined(separator: ","))"])
    }

    /// Client authentication from its settings: the htpasswd file read now (a file that cannot be
    /// used stops start-up) and again whenever it changes.
    private static func clientAccess(_ settings: AuthSettings, logger: Logger) throws -> ClientAccess {
        let path = settings.htpasswd
        let users = try ReloadingFiles(name: "htpasswd", paths: path.map { [$0] } ?? [], logger: logger) {
            guard let path else { return CredentialCheck(users: .empty) }  // certificate users only
            let contents: String
            do {
                contents = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw AuthFileError(description: "cannot read htpasswd file \(path)")
            }
            do {
                return CredentialCheck(users: try Htpasswd.parse(contents))
            } catch {
                throw AuthFileError(description: "htpasswd file \(path): \(error)")
            }
        }
        let known = Set(users.current.userNames)
        let unknown = settings.namedUsers.subtracting(known).sorted()
        logger.info("client authentication", metadata: [
            "htpasswd": "\(path ?? "none")", "users": "\(known.count)", "certificateUsers": "\(settings.certificateUsers)",
            "rules": "\(settings.policy.rules.count)",
            "anonymousRead": "\(settings.policy.anonymousRead)",
        ])
        if !unknown.isEmpty && !settings.certificateUsers {
            logger.warning("auth.rules name users the htpasswd file does not have (yet)", metadata: ["users": "\(unknown.joined(separator: ","))"])
        }
        return ClientAccess(policy: settings.policy, credentials: users, realm: settings.realm, failureDelay: settings.failureDelay,
                            certificateUsers: settings.certificateUsers)
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
}

/// An htpasswd file Stowage cannot use; says which and why, never what it holds.
struct AuthFileError: Error, CustomStringConvertible {
    let description: String
}
