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
/// instead, so it retries). A verified blob is made durable and committed before the last chunk
/// is sent, so once a client has the whole blob, its next request is served from the file. If the client stops reading, the
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
        var done = false

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
            guard !done else { return nil }
            do {
                while let chunk = try await body.next() {
                    try chunk.withUnsafeReadableBytes { bytes throws(StoreError) in try take(bytes) }
                    let previous = heldBack
                    heldBack = chunk
                    if let previous { return previous }
                }
                try verify()
            } catch {
                done = true
                ingest?.discard()
                logger.error("blob download failed; nothing cached", metadata: ["digest": "\(digest)", "error": "\(error)"])
                throw error
            }
            // Verified: commit before the last bytes go out, so a client that has the whole blob
            // finds it cached on its next request. The client's bytes are good either way.
            done = true
            if let ingest {
                do {
                    if try await store.commit(ingest) {
                        logger.info("cached blob", metadata: ["digest": "\(digest)", "size": "\(ingest.bytesWritten)"])
                    }
                } catch {
                    logger.error("could not keep a verified blob", metadata: ["digest": "\(digest)", "error": "\(error)"])
                }
            }
            return heldBack
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
