import Cache
import Logging
import NIOCore
import NIOHTTP1

/// The only code that turns a `Response` into HTTP parts: a head, then bytes, a file region (a hit,
/// sent with sendfile), a download in flight followed as it lands, or a verified pass-through;
/// then the end. It owns the lifetime of the blob files and leases it sends, the access line and
/// metrics of each response (`RequestRecorder`), and whether the connection may serve another request.
///
/// Bodies in hand (none, bytes, a file) are written on the event loop (`write`: in one trip, but
/// for a file under TLS, read in buffers on the thread pool);
/// streamed bodies (`stream`) from the request's task, each part written on the event loop and
/// awaited before the next, so the client's pace sets the download's (back-pressure) and a file
/// is closed only once sendfile is done with it.
struct ResponseWriter: Sendable {
    let recorder: RequestRecorder
    /// sendfile on plain connections; reads on the thread pool under TLS.
    let files: FileTransfer

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
        let keepAlive = response.prepare(for: exchange.request.head)
        context.write(NIOAny(HTTPServerResponsePart.head(head(response, exchange))), promise: nil)
        let headAt = ContinuousClock.now
        var bytes: Int64 = 0
        var sent: (blob: StoredBlob, file: NIOFileHandle)?
        var body: EventLoopFuture<Void>?
        switch response.body {
        case .none:
            break
        case .buffer(let buffer):
            bytes = Int64(buffer.readableBytes)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        case .file(let blob, let first, let last):
            bytes = last - first + 1
            let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: blob.takeDescriptor())
            sent = (blob, file)
            body = files.write(file, offset: first, count: bytes, context: context)
        case .follow, .passThrough:
            preconditionFailure("a streamed body is sent with stream(_:for:on:)")
        }
        let (status, served) = (response.status.code, response.served)
        let ending: EventLoopFuture<Void>
        if let body {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            ending = body.flatMap { bound.value.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))) }
        } else {
            ending = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
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

    /// From the request's task: writes a response with a streamed body part by part, each part
    /// awaited. If the body fails (a download that failed verification, an upstream that broke
    /// off) or the task is cancelled (the client left), the connection is closed, so a client
    /// sees a short read and retries.
    func stream(_ response: Response, for exchange: Exchange, on channel: any Channel) async -> Outcome {
        var response = response
        let keepAlive = response.prepare(for: exchange.request.head)
        var bytes: Int64 = 0
        let headAt = ContinuousClock.now
        do {
            // Not awaited: writes from this task reach the event loop in order.
            channel.write(HTTPServerResponsePart.head(head(response, exchange)), promise: nil)
            switch response.body {
            case .follow(let follower):
                let file = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try follower.duplicateDescriptor())
                defer { try? file.close() }
                for try await segment in follower {
                    try await files.write(file, range: segment, on: channel)
                    bytes += Int64(segment.count)
                }
            case .passThrough(let body):
                for try await chunk in body {
                    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(chunk))).get()
                    bytes += Int64(chunk.readableBytes)
                }
            case .none, .buffer, .file:
                preconditionFailure("a body in hand is sent with write(_:for:context:ended:)")
            }
            try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            recorder.record(exchange, response.served, status: response.status.code, bytes: bytes, headAt: headAt, complete: true)
            return Outcome(bytes: bytes, reusable: keepAlive)
        } catch {
            channel.close(promise: nil)
            recorder.record(exchange, response.served, status: response.status.code, bytes: bytes, headAt: headAt, complete: false)
            return Outcome(bytes: bytes, reusable: false)
        }
    }

    private func head(_ response: Response, _ exchange: Exchange) -> HTTPResponseHead {
        HTTPResponseHead(version: exchange.request.head.version, status: response.status, headers: response.headers)
    }
}
