import Cache
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Store

/// One client connection. Requests are answered strictly in order; every response part is written
/// straight to the channel and awaited, so a FileRegion's file is closed only after sendfile is done
/// and a streamed download advances only as fast as the client reads (back-pressure).
struct HTTPConnection {
    let channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    let handler: RegistryHandler
    let logger: Logger

    func serve() async {
        do {
            try await channel.executeThenClose { inbound, _ in
                var pending: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head): pending = head
                    case .body: continue  // The pull API has no request bodies; push verbs are refused.
                    case .end:
                        guard let head = pending else { continue }
                        pending = nil
                        let keepAlive = try await respond(to: head)
                        if !keepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("connection closed", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the response to `head`; returns whether the connection may serve another request.
    private func respond(to head: HTTPRequestHead) async throws -> Bool {
        let started = ContinuousClock.now
        var response = await handler.respond(to: head)
        response.headers.replaceOrAdd(name: "Docker-Distribution-API-Version", value: "registry/2.0")
        let keepAlive = head.isKeepAlive
        if !keepAlive { response.headers.replaceOrAdd(name: "Connection", value: "close") }
        let outcome = try await write(response, version: head.version)
        logger.info("request", metadata: [
            "method": "\(head.method.rawValue)",
            "path": "\(head.uri.prefix(300))",
            "status": "\(response.status.code)",
            "bytes": "\(outcome.bytes)",
            "ms": "\((ContinuousClock.now - started).milliseconds)",
        ])
        return keepAlive && outcome.complete
    }

    private struct Outcome { var bytes: Int64; var complete: Bool }

    private func write(_ response: Response, version: HTTPVersion) async throws -> Outcome {
        let raw = channel.channel
        let head = HTTPResponseHead(version: version, status: response.status, headers: response.headers)
        raw.write(HTTPServerResponsePart.head(head), promise: nil)
        switch response.body {
        case .none:
            try await raw.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            return Outcome(bytes: 0, complete: true)
        case .bytes(let bytes):
            raw.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
            try await raw.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            return Outcome(bytes: Int64(bytes.count), complete: true)
        case .file(let blob, let first, let last):
            defer { blob.release() }
            let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: blob.takeDescriptor())
            defer { try? file.close() }
            let region = FileRegion(fileHandle: file, readerIndex: Int(first), endIndex: Int(last + 1))
            raw.write(HTTPServerResponsePart.body(.fileRegion(region)), promise: nil)
            try await raw.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            return Outcome(bytes: last - first + 1, complete: true)
        case .follow(let follower):
            return try await stream(follower)
        case .download(let download):
            return try await stream(download)
        }
    }

    /// Writes a streamed body chunk by chunk, each awaited (back-pressure); if the body fails, the
    /// connection is closed so the client sees a short read and retries.
    private func stream<Body: AsyncSequence>(_ body: Body) async throws -> Outcome where Body.Element == ByteBuffer {
        let raw = channel.channel
        var sent: Int64 = 0
        do {
            for try await chunk in body {
                sent += Int64(chunk.readableBytes)
                try await raw.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(chunk))).get()
            }
        } catch {
            raw.flush()
            try? await raw.close()
            return Outcome(bytes: sent, complete: false)
        }
        try await raw.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
        return Outcome(bytes: sent, complete: true)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
