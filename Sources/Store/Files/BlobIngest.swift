import Glibc
import OCI

/// A blob download in flight: bytes are appended to `ingest/<random>` and hashed as they arrive.
/// `seal()` checks size and digest and makes the file durable; only `ContentStore.commit` then
/// moves it into `blobs/` and records it. Not Sendable: one task owns an ingest.
///
/// States: writing → sealed (verified, fsynced, closed) → committed by the store;
/// or, from any state, discarded (file unlinked). The index never names an ingest file.
public final class BlobIngest {
    public let digest: Digest
    public let expectedSize: Int64?
    let path: String
    private var fd: Int32
    private let hasher = SHA256Hasher()
    public private(set) var bytesWritten: Int64 = 0
    private(set) var isSealed = false

    init(digest: Digest, expectedSize: Int64?, path: String) throws(StoreError) {
        self.digest = digest
        self.expectedSize = expectedSize
        self.path = path
        self.fd = try POSIX.open(path, O_WRONLY | O_CREAT | O_EXCL)
    }

    deinit { discard() }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        precondition(!isSealed, "append after seal")
        if let expectedSize, bytesWritten + Int64(bytes.count) > expectedSize {
            throw .sizeMismatch(digest: digest, expected: expectedSize, actual: bytesWritten + Int64(bytes.count))
        }
        hasher.update(bytes)
        try POSIX.writeAll(fd, bytes, path: path)
        bytesWritten += Int64(bytes.count)
    }

    /// Verifies size and digest, then fsyncs and closes the file. Throws (and discards) on mismatch.
    func seal() throws(StoreError) {
        do throws(StoreError) {
            if let expectedSize, bytesWritten != expectedSize {
                throw StoreError.sizeMismatch(digest: digest, expected: expectedSize, actual: bytesWritten)
            }
            let actual = hasher.finalize()
            guard actual == digest else { throw StoreError.digestMismatch(expected: digest, actual: actual) }
            try POSIX.fsync(fd, path: path)
            close(fd)
            fd = -1
            isSealed = true
        } catch {
            discard()
            throw error
        }
    }

    /// Removes the partial file. Idempotent; also runs when the ingest is dropped uncommitted.
    public func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !committed { POSIX.unlink(path) }
    }

    /// Set by the store once the file has been renamed into `blobs/`.
    var committed = false
}
