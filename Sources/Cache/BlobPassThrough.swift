import Logging
import NIOCore
import OCI
import Store
import Upstream

/// A blob miss there is no room to keep (see `ContentStore.beginIngest`): streamed to one client
/// from its own upstream response, hashed on the way, and not stored.
///
/// The last chunk is held back until the whole blob has been verified, as for a shared fetch: a
/// client never receives the complete body of a blob whose size or digest did not match (its
/// connection is cut short instead, so it retries).
public struct BlobPassThrough: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    public let contentLength: Int64?
    private let upstream: UpstreamBlob
    private let digest: Digest
    private let logger: Logger

    init(upstream: UpstreamBlob, digest: Digest, logger: Logger) {
        self.contentLength = upstream.contentLength
        self.upstream = upstream
        self.digest = digest
        self.logger = logger
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(body: upstream.body.makeAsyncIterator(), digest: digest, expectedSize: contentLength, logger: logger)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var body: UpstreamBlob.Body.AsyncIterator
        let digest: Digest
        let expectedSize: Int64?
        let logger: Logger
        let hasher = SHA256Hasher()
        var received: Int64 = 0
        var heldBack: ByteBuffer?
        var done = false

        public mutating func next() async throws -> ByteBuffer? {
            guard !done else { return nil }
            do {
                while let chunk = try await body.next() {
                    chunk.withUnsafeReadableBytes { hasher.update($0) }
                    received += Int64(chunk.readableBytes)
                    let previous = heldBack
                    heldBack = chunk
                    if let previous { return previous }
                }
                done = true
                if let expectedSize, received != expectedSize {
                    throw StoreError.sizeMismatch(digest: digest, expected: expectedSize, actual: received)
                }
                let actual = hasher.finalize()
                guard actual == digest else { throw StoreError.digestMismatch(expected: digest, actual: actual) }
                return heldBack
            } catch {
                done = true
                logger.error("blob pass-through failed", metadata: ["digest": "\(digest)", "error": "\(error)"])
                throw error
            }
        }
    }
}
