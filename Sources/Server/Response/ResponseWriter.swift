import Cache
import Logging
import NIOCore
import NIOHTTP1
import OCI

/// The only code that turns a `Response` into bytes on the connection: the head (`ResponseHead`),
/// then bytes, a file region (a hit, sent with sendfile), a download in flight followed as it
/// lands, or a verified pass-through, each framed as `Response.prepare` decided (`Content-Length`,
/// chunked, or until the close). It owns the lifetime of the blob files and leases it sends, the
/// access line and metrics of each response (`RequestRecorder`), and whether the connection may
/// serve another request.
///
/// Bodies in hand (none, bytes, a file) are written on the event loop (`write`): a small body goes
/// out in the same buffer as the head (one write); a file follows the head as a file region (under
/// TLS, read in buffers on the thread pool). Streamed bodies (`stream`) are written from the
/// request's task, each part written on the event loop and awaited before the next, so the
/// client's pace sets the download's (back-pressure) and a file is closed only once sendfile is
/// done with it.
struct ResponseWriter: Sendable {
    let recorder: RequestRecorder
    /// sendfile on plain connections; reads on the thread pool under TLS.
    let files: FileTransfer

    /// Bodies up to this size are copied behind the head: one write instead of two.
    static let mergedBodyLimit = 16 << 10

    /// How a response ended: bytes of body handed to the socket, and whether the connection may
    /// serve another request.
    struct Outcome {
        var bytes: Int64
        var reusable: Bool
    }

    /// On the event loop: writes a response whose body is in hand. `ended` runs on the event loop
    /// once the last part has been written (or the write failed).
    func write(_ response: Response, for exchange: Exchange, context: ChannelHandlerContext, ended: @escaping (Outcome) -> Void) {
        var response = response
        let (keepAlive, framing) = response.prepare(for: exchange.request.head)
        var buffer = context.channel.allocator.buffer(capacity: 512)
        ResponseHead.write(version: exchange.request.head.version, status: response.status, headers: response.headers, into: &buffer)
        let headAt = ContinuousClock.now
        var bytes: Int64 = 0
        var sent: (blob: StoredBlob, file: NIOFileHandle)?
        /// The response's last write, flushed; nil when a file follows the head.
        var lastWrite: IOData? = .byteBuffer(buffer)
        var body: EventLoopFuture<Void>?
        switch (response.body, framing) {
        case (.buffer(let part), .length):
            bytes = Int64(part.readableBytes)
            if part.readableBytes <= Self.mergedBodyLimit {
                buffer.writeImmutableBuffer(part)
                lastWrite = .byteBuffer(buffer)
            } else {
                context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
                lastWrite = .byteBuffer(part)
            }
        case (.file(let blob, let first, let last), .length):
            context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
            bytes = last - first + 1
            let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: blob.takeDescriptor())
            sent = (blob, file)
            body = files.write(file, offset: first, count: bytes, context: context)
        case (.file(let blob, _, _), _):
            // No body may follow (a HEAD): the file is not sent, and its lease ends now.
            blob.release()
        case (.none, _), (.buffer, _):
            break
        case (.follow, _), (.passThrough, _):
            preconditionFailure("a streamed body is sent with stream(_:for:on:)")
        }
        if body != nil { lastWrite = nil }
        let (status, served) = (response.status.code, response.served)
        let ending: EventLoopFuture<Void>
        if let lastWrite {
            ending = context.writeAndFlush(NIOAny(lastWrite))
        } else {
            // After the file's bytes: an empty write completes once they have all gone.
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            ending = (body ?? context.eventLoop.makeSucceededVoidFuture()).flatMap { bound.value.writeAndFlush(NIOAny(IOData.byteBuffer(ByteBuffer()))) }
        }
        ending.assumeIsolated().whenComplete { [recorder] result in
            // The file is closed and the blob's lease ended only once sendfile is done with it.
            try? sent?.file.close()
            sent?.blob.release()
            let complete = (try? result.get()) != nil
            recorder.record(exchange, served, status: status, bytes: bytes, headAt: headAt, complete: complete)
            ended(Outcome(bytes: bytes, reusable: keepAlive && complete))
        }
    }

    /// How a streamed response went.
    enum Streamed {
        /// It went out, whole or cut short (then the connection is not reusable).
        case ended(Outcome)
        /// Its body failed before the first byte, so its head was never sent: this answer (an OCI
        /// error) goes out in its place, on the event loop, as any body in hand.
        case replaced(by: Response)
    }

    /// From the request's task: writes a response with a streamed body part by part, each part
    /// awaited. The head goes out with the first part, so a body that fails before its first byte
    /// (an upstream that broke off at once, a download given up) is answered 502 in its place. If
    /// it fails later (a download that failed verification, an upstream that broke off) or the task
    /// is cancelled (the client left), the connection is closed, so a client sees a short read and
    /// retries.
    func stream(_ response: Response, for exchange: Exchange, on channel: any Channel) async -> Streamed {
        var response = response
        let (keepAlive, framing) = response.prepare(for: exchange.request.head)
        var bytes: Int64 = 0
        var head: ByteBuffer? = channel.allocator.buffer(capacity: 512)
        ResponseHead.write(version: exchange.request.head.version, status: response.status, headers: response.headers, into: &head!)
        let headAt = ContinuousClock.now
        let chunked = framing == .chunked
        /// Writes the head if it has not gone yet. Not awaited: writes from this task reach the
        /// event loop in order.
        func sendHead() {
            if let pending = head {
                channel.write(IOData.byteBuffer(pending), promise: nil)
                head = nil
            }
        }
        do {
            if framing != .none {
                switch response.body {
                case .follow(let follower):
                    let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try follower.duplicateDescriptor())
                    defer { try? file.close() }
                    for try await segment in follower {
                        sendHead()
                        if chunked { channel.write(IOData.byteBuffer(ResponseHead.chunkHeader(segment.count, allocator: channel.allocator)), promise: nil) }
                        try await files.write(file, range: segment, on: channel)
                        if chunked { channel.write(IOData.byteBuffer(ResponseHead.chunkEnd), promise: nil) }
                        bytes += Int64(segment.count)
                    }
                case .passThrough(let body):
                    for try await part in body {
                        sendHead()
                        if chunked { channel.write(IOData.byteBuffer(ResponseHead.chunkHeader(part.readableBytes, allocator: channel.allocator)), promise: nil) }
                        try await channel.writeAndFlush(IOData.byteBuffer(part)).get()
                        if chunked { channel.write(IOData.byteBuffer(ResponseHead.chunkEnd), promise: nil) }
                        bytes += Int64(part.readableBytes)
                    }
                case .none, .buffer, .file:
                    preconditionFailure("a body in hand is sent with write(_:for:context:ended:)")
                }
            }
            sendHead()
            try await channel.writeAndFlush(IOData.byteBuffer(chunked ? ResponseHead.lastChunk : ByteBuffer())).get()
            recorder.record(exchange, response.served, status: response.status.code, bytes: bytes, headAt: headAt, complete: true)
            return .ended(Outcome(bytes: bytes, reusable: keepAlive))
        } catch {
            if head != nil, !Task.isCancelled {
                return .replaced(by: .error(RegistryError(.unknown, "the blob's download failed before its first byte (\(error)); retry", status: 502)))
            }
            channel.close(promise: nil)
            recorder.record(exchange, response.served, status: response.status.code, bytes: bytes, headAt: headAt, complete: false)
            return .ended(Outcome(bytes: bytes, reusable: false))
        }
    }
}
