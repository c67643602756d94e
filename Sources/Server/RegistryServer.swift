import Cache
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP/1.1 front: accepts connections and serves each one's requests in order (keep-alive
/// and pipelining via NIO's pipeline handler), through `RegistryHandler`.
public final class RegistryServer: Sendable {
    private let handler: RegistryHandler
    private let group: any EventLoopGroup
    private let logger: Logger

    public init(cache: PullThroughCache, group: any EventLoopGroup, logger: Logger) {
        self.handler = RegistryHandler(cache: cache)
        self.group = group
        self.logger = logger
    }

    /// Binds `host:port` and serves until the task is cancelled. `onBound` receives the bound
    /// address (useful with port 0).
    public func run(host: String, port: Int, onBound: @Sendable (SocketAddress) -> Void = { _ in }) async throws {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .bind(host: host, port: port) { [handler, logger] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(CacheHitHandler(handler: handler, logger: logger))
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        if let address = server.channel.localAddress { onBound(address) }
        logger.info("listening", metadata: ["address": "\(server.channel.localAddress.map { "\($0)" } ?? "?")"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { [self] in
                        await HTTPConnection(channel: connection, handler: handler, logger: logger).serve()
                    }
                }
            }
        }
    }
}
