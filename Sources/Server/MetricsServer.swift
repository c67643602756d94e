import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The metrics listener (`metrics.listen`): `GET /metrics` in Prometheus' text format, and the
/// health probes, on an address of its own (loopback by default) so that scraping never competes
/// with the pull API's connection limit and the metrics are not exposed where the images are.
/// `exposition` renders the metrics (the Prometheus registry `serve` bootstrapped). With `tls`
/// (`metrics.tls`), it speaks the main listener's TLS: the same certificate, reloaded the same way,
/// and with a client CA, the scraper presents a certificate it signed.
public final class MetricsServer: Sendable {
    private let health: ServerHealth
    private let exposition: @Sendable () -> [UInt8]
    private let group: any EventLoopGroup
    private let logger: Logger
    private let tls: ReloadingFiles<NIOSSLContext>?

    public init(health: ServerHealth, group: any EventLoopGroup, logger: Logger, tls: ReloadingFiles<NIOSSLContext>? = nil,
                exposition: @escaping @Sendable () -> [UInt8]) {
        self.health = health
        self.group = group
        self.logger = logger
        self.tls = tls
        self.exposition = exposition
    }

    /// Binds and returns the bound channel; it serves until it is closed.
    public func bind(host: String, port: Int) async throws -> any Channel {
        let (health, exposition, tls) = (self.health, self.exposition, self.tls)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(health: health, exposition: exposition))
                }
            }
            .bind(host: host, port: port)
            .get()
        logger.info("metrics listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return channel
    }
}

/// Answers one request at a time on a metrics connection: `/metrics`, the probes, else 404.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let health: ServerHealth
    private let exposition: @Sendable () -> [UInt8]
    private var head: HTTPRequestHead?

    init(health: ServerHealth, exposition: @escaping @Sendable () -> [UInt8]) {
        self.health = health
        self.exposition = exposition
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? head.uri
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        if head.method != .GET && head.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain; charset=utf-8", Array("GET or HEAD\n".utf8))
        } else if path == "/metrics" {
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", exposition())
        } else if let probe = HealthProbe(rawValue: String(path.dropFirst())), path.hasPrefix("/") {
            let report = health.report(probe)
            let rendered = report.body(verbose: HealthReport.isVerbose(parts.count > 1 ? parts[1] : nil))
            (status, contentType, body) = (report.passed ? .ok : .serviceUnavailable, rendered.contentType, rendered.bytes)
        } else {
            (status, contentType, body) = (.notFound, "text/plain; charset=utf-8", Array("not found: /metrics, /livez, /readyz, /startupz\n".utf8))
        }
        var headers: HTTPHeaders = ["Content-Type": contentType, "Content-Length": "\(body.count)", "Cache-Control": "no-store"]
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil) }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
