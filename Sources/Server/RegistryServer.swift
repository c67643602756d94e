import Cache
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP/1.1 front: accepts connections within `ConnectionLimits` and serves each one's
/// requests in order (keep-alive and pipelining through NIO's pipeline handler).
///
/// Pipeline of a connection: with TLS, NIO's TLS handler with the identity loaded last (a
/// certificate replaced on disk serves the next handshake; connections keep the one they began
/// with) → `ConnectionTimeouts` (bytes: idle and request-head timers) → NIO's HTTP request
/// decoder (with header limits) → `ConnectionHandler` (keeps pipelined requests in order, answers
/// requests that cannot be parsed with a 400, resolves each other request once and has
/// `ResponseWriter` write its response as bytes). NIO's response encoder and pipelining handler
/// are left out: with them, a bare NIO server answers about 0.65× nginx's requests per second on
/// small responses; with the decoder alone and one buffer per response, about 1.0×
/// (`Benchmarks/NIOBaseline`, `--decoder-only`).
public final class RegistryServer: Sendable {
    private let handler: RegistryHandler
    private let group: any EventLoopGroup
    private let limits: ConnectionLimits
    private let logger: Logger

    private let recorder: RequestRecorder
    private let tls: ReloadingFiles<NIOSSLContext>?

    /// `accessLogEveryRequest`: an access line for every request at `info` (`accessLog: true`);
    /// otherwise at `debug` only. `requestMetrics`: where ended requests are counted (nil: they are not).
    /// `tls`: serve HTTPS with the identity it holds (plain HTTP without). `access`: authenticate
    /// clients and apply its rules (without: every client may read everything).
    public init(cache: PullThroughCache, health: ServerHealth, group: any EventLoopGroup, limits: ConnectionLimits, logger: Logger,
                accessLogEveryRequest: Bool = false, requestMetrics: RequestMetrics? = nil, tls: ReloadingFiles<NIOSSLContext>? = nil,
                access: ClientAccess? = nil) {
        self.handler = RegistryHandler(cache: cache, health: health, access: access)
        recorder = RequestRecorder(accessLog: AccessLog(logger: logger, everyRequest: accessLogEveryRequest), metrics: requestMetrics)
        self.group = group
        self.limits = limits
        self.logger = logger
        self.tls = tls
    }

    /// NIO's HTTP/1 request decoder with Stowage's head limits.
    private static func requestDecoder() -> ByteToMessageHandler<HTTPRequestDecoder> {
        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: ConnectionLimits.headerLimits))
    }

    /// Binds `host:port` and serves until the task is cancelled; then stops accepting, lets the
    /// responses in progress finish for up to `limits.drainTimeout`, closes every connection and
    /// returns. `onBound` receives the bound address (useful with port 0).
    public func run(host: String, port: Int, onBound: @Sendable (SocketAddress) -> Void = { _ in }) async throws {
        let connections = OpenConnections(maximum: limits.maxConnections, logger: logger)
        let (handler, limits, logger, tls) = (self.handler, self.limits, self.logger, self.tls)
        let writer = ResponseWriter(recorder: recorder, files: tls == nil ? .sendfile : .read(NonBlockingFileIO(threadPool: .singleton)))
        // Built once here, on one thread, before any connection: the Swift runtime crashed (SIGSEGV in
        // swift_conformsToProtocol) when two event loops instantiated the decoder's generic metadata
        // for the first time at once, under a flood of first connections (1 start in 50 in
        // `SigtermFloodTests`). Instantiated here first, the event loops only ever find it made.
        _ = Self.requestDecoder()
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)  // capped by net.core.somaxconn
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard connections.admit(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let timeouts = ConnectionTimeouts(limits: limits, logger: logger)
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls.current)) }
                    try pipeline.addHandler(timeouts)
                    // NIO's decoder only: responses are written as bytes by `ResponseWriter` and requests
                    // kept in order by `ConnectionHandler`, whose error handling answers parse errors.
                    try pipeline.addHandler(Self.requestDecoder())
                    try pipeline.addHandler(ConnectionHandler(handler: handler, writer: writer, timeouts: timeouts))
                }
            }
            .bind(host: host, port: port)
            .get()
        if let address = server.localAddress { onBound(address) }
        logger.info("listening", metadata: [
            "address": "\(server.localAddress.map { "\($0)" } ?? "?")", "connectionLimit": "\(limits.maxConnections)",
            "tls": "\(tls == nil ? "off" : "on")",
        ])
        await withTaskCancellationHandler {
            _ = try? await server.closeFuture.get()
        } onCancel: {
            server.close(promise: nil)
        }
        await connections.drain(grace: limits.drainTimeout)
    }
}
