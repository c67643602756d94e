import Glibc
import OCI

/// A blob download in flight: bytes are appended to `ingest/<random>` and hashed as they arrive.
/// `verify()` checks size and digest; only `ContentStore.commit` then makes the file durable, moves
/// it into `blobs/` and records it. Not Sendable: one task owns an ingest.
///
/// States: writing → verified → committed by the store; or, from any state, discarded (file
/// unlinked). The index never names an ingest file. See README.md beside this module.
public final class BlobIngest {
    public let digest: Digest
    public let expectedSize: Int64?
    let path: String
    private var fd: Int32
    private let hasher = SHA256Hasher()
    public private(set) var bytesWritten: Int64 = 0
    public private(set) var isVerified = false
    /// Room promised under the budget; released on commit or discard.
    let reservation: SpaceReservation?

    init(digest: Digest, expectedSize: Int64?, path: String, reservation: SpaceReservation? = nil) throws(StoreError) {
        self.digest = digest
        self.expectedSize = expectedSize
        self.path = path
        self.reservation = reservation
        self.fd = try POSIX.open(path, O_WRONLY | O_CREAT | O_EXCL)
    }

    deinit { discard() }

    public func append(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        precondition(!isVerified, "append after verify")
        if let expectedSize, bytesWritten + Int64(bytes.count) > expectedSize {
            throw .sizeMismatch(digest: digest, expected: expectedSize, actual: bytesWritten + Int64(bytes.count))
        }
        hasher.update(bytes)
        try POSIX.writeAll(fd, bytes, path: path)
        bytesWritten += Int64(bytes.count)
    }

    /// Checks size and digest against what was asked for; on a mismatch the file is discarded.
    /// After this no more bytes may be appended.
    public func verify() throws(StoreError) {
        guard !isVerified else { return }
        do throws(StoreError) {
            if let expectedSize, bytesWritten != expectedSize {
                throw StoreError.sizeMismatch(digest: digest, expected: expectedSize, actual: bytesWritten)
            }
            let actual = hasher.finalize()
            guard actual == digest else { throw StoreError.digestMismatch(expected: digest, actual: actual) }
            isVerified = true
        } catch {
            discard()
            throw error
        }
    }

    /// A new read-only descriptor on the file being written, for clients following the download.
    /// It stays valid through the rename into `blobs/` (and after an unlink): the caller closes it.
    public func openReader() throws(StoreError) -> Int32 {
        try POSIX.open(path, O_RDONLY)
    }

    /// Hands the open descriptor to the store, which fsyncs and closes it on its file threads.
    func takeDescriptor() -> Int32 {
        precondition(isVerified, "commit before verify")
        defer { fd = -1 }
        return fd
    }

    /// Removes the partial file. Idempotent; also runs when the ingest is dropped uncommitted.
    public func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if !committed {
            POSIX.unlink(path)
            reservation?.release()
        }
    }

    /// Set by the store when it takes the file over (to rename it into `blobs/` or remove it).
    var committed = false
}
