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
/// download is abandoned and nothing is committed. Without an ingest (no room under the budget)
/// the blob is still verified the same way, but not kept.
public struct BlobDownload: AsyncSequence {
    public typealias Element = ByteBuffer

    public let contentLength: Int64?
    private let upstream: UpstreamBlob
    private let digest: Digest
    private let ingest: BlobIngest?
    private let store: ContentStore
    private let logger: Logger

    init(upstream: UpstreamBlob, digest: Digest, ingest: BlobIngest?, store: ContentStore, logger: Logger) {
        self.contentLength = upstream.contentLength
        self.upstream = upstream
        self.digest = digest
        self.ingest = ingest
        self.store = store
        self.logger = logger
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(body: upstream.body.makeAsyncIterator(), digest: digest, expectedSize: contentLength, ingest: ingest, store: store, logger: logger)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var body: UpstreamBlob.Body.AsyncIterator
        let digest: Digest
        let expectedSize: Int64?
        let ingest: BlobIngest?
        /// Hashes the bytes when there is no ingest to do it.
        let passThrough: SHA256Hasher?
        var passedThrough: Int64 = 0
        let store: ContentStore
        let logger: Logger
        var heldBack: ByteBuffer?
        var state = State.streaming

        enum State { case streaming, verified, done }

        init(body: UpstreamBlob.Body.AsyncIterator, digest: Digest, expectedSize: Int64?, ingest: BlobIngest?, store: ContentStore, logger: Logger) {
            self.body = body
            self.digest = digest
            self.expectedSize = expectedSize
            self.ingest = ingest
            self.passThrough = ingest == nil ? SHA256Hasher() : nil
            self.store = store
            self.logger = logger
        }

        public mutating func next() async throws -> ByteBuffer? {
            do {
                switch state {
                case .done:
                    return nil
                case .verified:
                    // The client has every byte; make the blob durable and record it.
                    state = .done
                    if let ingest, try await store.commit(ingest) {
                        logger.info("cached blob", metadata: ["digest": "\(digest)", "size": "\(ingest.bytesWritten)"])
                    }
                    return nil
                case .streaming:
                    while let chunk = try await body.next() {
                        try chunk.withUnsafeReadableBytes { bytes throws(StoreError) in try take(bytes) }
                        let previous = heldBack
                        heldBack = chunk
                        if let previous { return previous }
                    }
                    try verify()
                    state = .verified
                    if let last = heldBack { return last }
                    return try await next()
                }
            } catch {
                state = .done
                ingest?.discard()
                logger.error("blob download failed; nothing cached", metadata: ["digest": "\(digest)", "error": "\(error)"])
                throw error
            }
        }

        private mutating func take(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
            if let ingest { return try ingest.append(bytes) }
            passThrough?.update(bytes)
            passedThrough += Int64(bytes.count)
        }

        private func verify() throws(StoreError) {
            if let ingest { return try ingest.verify() }
            if let expectedSize, passedThrough != expectedSize {
                throw .sizeMismatch(digest: digest, expected: expectedSize, actual: passedThrough)
            }
            if let actual = passThrough?.finalize(), actual != digest {
                throw .digestMismatch(expected: digest, actual: actual)
            }
        }
    }
}
