import NIOCore
import Server
import ServiceLifecycle

// `serve`'s parts as swift-service-lifecycle services, run by one `ServiceGroup` (in `Serve`).
//
// Ordering: the group starts them in the order given and, at graceful shutdown (which `Drain`
// triggers once its delay is over), stops them in the reverse order, each only after the one
// after it has returned. `Serve` lists the pull API's listener last, so it stops first: it closes,
// and the requests in progress (downloads clients follow, which commit) get `drainTimeout`;
// only then does the metrics listener close, then the background work ends (the access times get
// their last flush), and then `Serve` closes the store, which nothing uses any more.

/// The pull API's listener (`RegistryServer.run`): cancelled at graceful shutdown, it stops
/// accepting, drains and returns.
struct PullAPIService: Service, CustomStringConvertible {
    let server: RegistryServer
    let host: String
    let port: Int
    let onBound: @Sendable (SocketAddress) -> Void
    var description: String { "pull API" }

    func run() async throws {
        try await cancelWhenGracefulShutdown { [server, host, port, onBound] in
            try await server.run(host: host, port: port, onBound: onBound)
        }
    }
}

/// The metrics listener, bound before the group starts (a failure to bind stops start-up): closed at
/// graceful shutdown, or when the group is cancelled (the pull API could not bind).
struct MetricsListenerService: Service, CustomStringConvertible {
    let channel: any Channel
    var description: String { "metrics listener" }

    func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler { [channel] in
            _ = try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: { [channel] in
            channel.close(promise: nil)
        }
    }
}

/// Work that goes on while the server runs (flushing access times, sampling the disk, watching
/// files, the store's gauges, returning memory): cancelled at graceful shutdown. Each loop ends
/// when its task is cancelled, after a last round where it has one (the access times' flush).
struct BackgroundService: Service, CustomStringConvertible {
    let description: String
    let work: @Sendable () async -> Void

    init(_ description: String, _ work: @escaping @Sendable () async -> Void) {
        self.description = description
        self.work = work
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { [work] in await work() }
    }
}
