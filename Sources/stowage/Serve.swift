import ArgumentParser
import Cache
import Console
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Runtime
import Server
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

    @OptionGroup var options: CacheOptions

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try options.settings(listen: listen)
        } catch {
            FileHandle.standardError.write(Data("stowage: bad configuration: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var logger = Logger(label: "stowage")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info

        let opened: OpenedCache
        do {
            opened = try OpenedCache(settings, role: .server, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("stowage: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let (store, upstreams, cache) = (opened.store, opened.upstreams, opened.cache)
        let server = RegistryServer(cache: cache, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let budget = settings.storage.maxBytes.map { " of \(Formatting.bytes($0))" } ?? ", no size limit"
        let names = settings.upstreams.map(\.settings.name)
        let upstreamText = switch names.count {
        case 0: "no upstream: serving the store only"
        case 1: "upstream \(names[0])"
        default: "upstreams \(names.joined(separator: ", "))"
        }
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
            await opened.close()
            FileHandle.standardError.write(Data("stowage: cannot serve on \(settings.listenHost):\(settings.listenPort): \(error)\n".utf8))
            throw ExitCode(1)
        }
        flushing.cancel()
        await opened.close()
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
