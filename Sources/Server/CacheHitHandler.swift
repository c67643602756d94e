import Logging
import NIOCore
import NIOHTTP1
import Store

/// Answers cache hits on the event loop, without a hop to Swift concurrency: a request the cache
/// can answer alone (`RegistryHandler.respondFromCache`) is written here, directly; any other is
/// passed on to the connection's async handler (`HTTPConnection`).
///
/// It sits after NIO's `HTTPServerPipelineHandler`, which hands over a pipelined request only once
/// the previous response has ended, so answers leave in request order whichever path makes them.
final class CacheHitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: RegistryHandler
    private let logger: Logger
    private var head: HTTPRequestHead?

    init(handler: RegistryHandler, logger: Logger) {
        self.handler = handler
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head  // held until the request ends: who answers is decided then
        case .body:
            break  // The pull API has no request bodies; push verbs are refused.
        case .end:
            guard let head else { return }
            self.head = nil
            let started = ContinuousClock.now
            guard var response = handler.respondFromCache(to: head) else {
                context.fireChannelRead(wrapInboundOut(.head(head)))
                context.fireChannelRead(data)
                return
            }
            let keepAlive = response.prepare(for: head)
            write(response, for: head, keepAlive: keepAlive, started: started, context: context)
        }
    }

    private func write(_ response: Response, for request: HTTPRequestHead, keepAlive: Bool, started: ContinuousClock.Instant, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: response.status, headers: response.headers))), promise: nil)
        let bytes: Int64
        var sent: (blob: OpenedBlob, file: NIOFileHandle)?
        switch response.body {
        case .none:
            bytes = 0
        case .bytes(let body):
            bytes = Int64(body.count)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        case .file(let blob, let first, let last):
            bytes = last - first + 1
            let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: blob.takeDescriptor())
            sent = (blob, file)
            context.write(wrapOutboundOut(.body(.fileRegion(FileRegion(fileHandle: file, readerIndex: Int(first), endIndex: Int(last + 1))))), promise: nil)
        case .follow, .passThrough:
            preconditionFailure("a cache hit never streams from the upstream")
        }
        let (logger, status, channel, done) = (self.logger, response.status.code, context.channel, sent)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { result in
            // The file is closed and the blob's lease ended only once sendfile is done with it.
            try? done?.file.close()
            done?.blob.release()
            logAccess(logger, request, status: status, bytes: bytes, started: started)
            if !keepAlive || (try? result.get()) == nil { channel.close(promise: nil) }
        }
    }
}

/// One line per request, after its response was written.
func logAccess(_ logger: Logger, _ request: HTTPRequestHead, status: UInt, bytes: Int64, started: ContinuousClock.Instant) {
    logger.info("request", metadata: [
        "method": "\(request.method.rawValue)",
        "path": "\(request.uri.prefix(300))",
        "status": "\(status)",
        "bytes": "\(bytes)",
        "ms": "\((ContinuousClock.now - started).milliseconds)",
    ])
}
