// `nio-baseline FILE MEDIA-TYPE DIGEST [--raw | --decoder-only]`: references for Stowage's hit
// path, for `hotpath.py` and by hand.
//
// A bare SwiftNIO HTTP/1.1 server with NIO's standard pipeline (decoder, encoder and
// pipelining handler, two event loops) that answers every GET with FILE's bytes (loaded once)
// and the headers Stowage sends with a manifest, and every HEAD with the headers alone. No
// routing, no store, no cache. With `--decoder-only` it keeps NIO's request decoder and writes one
// precomputed buffer per response, as Stowage's own response writing does (its floor); with `--raw`
// it has no HTTP codec at all (`RawFixedResponse`): SwiftNIO's own ceiling.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

final class FixedResponse: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let body: [UInt8]
    let headers: HTTPHeaders
    private var request: HTTPRequestHead?

    init(body: [UInt8], headers: HTTPHeaders) {
        self.body = body
        self.headers = headers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let request else { return }
            // As Stowage answers: HTTP/1.0 clients that ask to keep the connection (ab) are told they may.
            var headers = headers
            let keepAlive = request.isKeepAlive
            if keepAlive && request.version == .http1_0 { headers.add(name: "Connection", value: "keep-alive") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
            if request.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }
}

/// `--raw`: no HTTP codec at all. Each request head (bytes up to a blank line) is answered with
/// one precomputed response (status line, headers and body in one buffer): the ceiling of SwiftNIO
/// itself on this machine, for judging how much of the gap to nginx any HTTP layer could close.
final class RawFixedResponse: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let response: [UInt8]
    /// How far into a blank line (`\r\n\r\n`) the bytes read so far end.
    private var matched = 0

    init(response: [UInt8]) {
        self.response = response
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var requests = 0
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                let expected: UInt8 = matched % 2 == 0 ? 13 : 10
                if byte == expected {
                    matched += 1
                    if matched == 4 { requests += 1; matched = 0 }
                } else {
                    matched = byte == 13 ? 1 : 0
                }
            }
        }
        for _ in 0..<requests { context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: response)), promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

/// `--decoder-only`: NIO's request decoder, then one precomputed response buffer per request (no
/// response encoder, no pipelining handler): what Stowage's own response writing could reach.
final class DecodedFixedResponse: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    let response: [UInt8]

    init(response: [UInt8]) {
        self.response = response
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: response)), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

func serve() throws {
    let arguments = CommandLine.arguments
    let raw = arguments.last == "--raw", decoderOnly = arguments.last == "--decoder-only"
    guard arguments.count == (raw || decoderOnly ? 5 : 4), let body = FileManager.default.contents(atPath: arguments[1]) else {
        FileHandle.standardError.write(Data("usage: nio-baseline FILE MEDIA-TYPE DIGEST [--raw]\n".utf8))
        exit(2)
    }
    let headers: HTTPHeaders = [
        "Content-Type": arguments[2], "Docker-Content-Digest": arguments[3], "ETag": "\"\(arguments[3])\"",
        "Content-Length": "\(body.count)", "Docker-Distribution-API-Version": "registry/2.0",
    ]

    let bytes = Array(body)
    var head = "HTTP/1.1 200 OK\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    let rawResponse = Array((head + "\r\n").utf8) + bytes
    let server = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.backlog, value: 4096)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                if raw {
                    try channel.pipeline.syncOperations.addHandler(RawFixedResponse(response: rawResponse))
                } else if decoderOnly {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try channel.pipeline.syncOperations.addHandler(DecodedFixedResponse(response: rawResponse))
                } else {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false, withOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(FixedResponse(body: bytes, headers: headers))
                }
            }
        }
        .bind(host: "127.0.0.1", port: 0)
        .wait()
    FileHandle.standardOutput.write(Data("listening on http://127.0.0.1:\(server.localAddress?.port ?? 0)\n".utf8))
    try server.closeFuture.wait()
}

try serve()
