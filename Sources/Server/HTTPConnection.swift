import Cache
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Store

/// One client connection's requests that the cache cannot answer alone (`CacheHitHandler` answers
/// the others on the event loop). Requests are answered strictly in order; a FileRegion's file is
/// closed only after sendfile is done and a streamed download advances only as fast as the client
/// reads (back-pressure).
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
        let keepAlive = response.prepare(for: head)
        let outcome = try await write(response, version: head.version)
        logAccess(logger, head, status: response.status.code, bytes: outcome.bytes, started: started)
        return keepAlive && outcome.complete
    }

    private struct Outcome { var bytes: Int64; var complete: Bool }

    /// Responses up to this size are written without waiting for the socket to take them: the
    /// next request is read meanwhile. Larger ones are awaited (back-pressure).
    static let unawaitedBodyLimit = 64 << 10

    private func write(_ response: Response, version: HTTPVersion) async throws -> Outcome {
        let head = HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: response.status, headers: response.headers))
        switch response.body {
        case .none:
            try await send([head, .end(nil)], awaitingCompletion: false)
            return Outcome(bytes: 0, complete: true)
        case .bytes(let bytes):
            try await send([head, .body(.byteBuffer(ByteBuffer(bytes: bytes))), .end(nil)],
                           awaitingCompletion: bytes.count > Self.unawaitedBodyLimit)
            return Outcome(bytes: Int64(bytes.count), complete: true)
        case .file(let blob, let first, let last):
            defer { blob.release() }
            let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: blob.takeDescriptor())
            defer { try? file.close() }
            let region = FileRegion(fileHandle: file, readerIndex: Int(first), endIndex: Int(last + 1))
            // Awaited: the file may be closed only once sendfile is done with it.
            try await send([head, .body(.fileRegion(region)), .end(nil)], awaitingCompletion: true)
            return Outcome(bytes: last - first + 1, complete: true)
        case .follow(let follower):
            return try await follow(head: head, follower)
        case .passThrough(let blob):
            return try await stream(head: head, blob)
        }
    }

    /// Writes `parts` in one trip to the channel's event loop and flushes them; optionally waits
    /// until the last one has been written to the socket.
    private func send(_ parts: [HTTPServerResponsePart], awaitingCompletion: Bool) async throws {
        let raw = channel.channel
        let written: EventLoopPromise<Void>? = awaitingCompletion ? raw.eventLoop.makePromise() : nil
        raw.eventLoop.execute {
            for part in parts.dropLast() { raw.write(part, promise: nil) }
            raw.writeAndFlush(parts.last!, promise: written)
        }
        // Not awaited, a write still goes out in order: the event loop runs these closures FIFO.
        try await written?.futureResult.get()
    }

    /// Sends a download in flight with sendfile, segment by segment as the bytes land, each
    /// awaited; if the fetch fails, the connection is closed so the client sees a short read.
    private func follow(head: HTTPServerResponsePart, _ follower: BlobFollower) async throws -> Outcome {
        let raw = channel.channel
        let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try follower.duplicateDescriptor())
        defer { try? file.close() }
        try await send([head], awaitingCompletion: false)
        var sent: Int64 = 0
        do {
            for try await segment in follower {
                let region = FileRegion(fileHandle: file, readerIndex: Int(segment.lowerBound), endIndex: Int(segment.upperBound))
                try await raw.writeAndFlush(HTTPServerResponsePart.body(.fileRegion(region))).get()
                sent += Int64(segment.count)
            }
        } catch {
            try? await raw.close()
            return Outcome(bytes: sent, complete: false)
        }
        try await raw.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
        return Outcome(bytes: sent, complete: true)
    }

    /// Writes a pass-through blob chunk by chunk, each awaited (back-pressure); if it fails, the
    /// connection is closed so the client sees a short read and retries.
    private func stream(head: HTTPServerResponsePart, _ body: BlobPassThrough) async throws -> Outcome {
        let raw = channel.channel
        try await send([head], awaitingCompletion: false)
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
