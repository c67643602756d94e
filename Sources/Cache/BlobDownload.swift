import AsyncHTTPClient
import Logging
import NIOCore
import OCI
import Store
import Upstream

/// A blob miss, streamed to one client while it is written to `ingest/` and hashed.
///
/// The last chunk is held back until the whole blob has been verified: a client never receives
/// the complete body of a blob whose size or digest did not match (its connection is cut short
/// instead, so it retries). Once the client has the verified bytes, the blob is made durable and
/// committed, so a later request is served from the file. If the client stops reading, the
/// download is abandoned and nothing is committed.
public struct BlobDownload: AsyncSequence {
    public typealias Element = ByteBuffer

    public let contentLength: Int64?
    private let upstream: UpstreamBlob
    private let ingest: BlobIngest
    private let store: ContentStore
    private let logger: Logger

    init(upstream: UpstreamBlob, ingest: BlobIngest, store: ContentStore, logger: Logger) {
        self.contentLength = upstream.contentLength
        self.upstream = upstream
        self.ingest = ingest
        self.store = store
        self.logger = logger
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(body: upstream.body.makeAsyncIterator(), ingest: ingest, store: store, logger: logger)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var body: UpstreamBlob.Body.AsyncIterator
        let ingest: BlobIngest
        let store: ContentStore
        let logger: Logger
        var heldBack: ByteBuffer?
        var state = State.streaming

        enum State { case streaming, verified, done }

        public mutating func next() async throws -> ByteBuffer? {
            do {
                switch state {
                case .done:
                    return nil
                case .verified:
                    // The client has every byte; make the blob durable and record it.
                    state = .done
                    try await store.commit(ingest)
                    logger.info("cached blob", metadata: ["digest": "\(ingest.digest)", "size": "\(ingest.bytesWritten)"])
                    return nil
                case .streaming:
                    while let chunk = try await body.next() {
                        try chunk.withUnsafeReadableBytes { bytes throws(StoreError) in try ingest.append(bytes) }
                        let previous = heldBack
                        heldBack = chunk
                        if let previous { return previous }
                    }
                    try ingest.verify()
                    state = .verified
                    if let last = heldBack { return last }
                    return try await next()
                }
            } catch {
                state = .done
                ingest.discard()
                logger.error("blob download failed; nothing cached", metadata: ["digest": "\(ingest.digest)", "error": "\(error)"])
                throw error
            }
        }
    }
}
