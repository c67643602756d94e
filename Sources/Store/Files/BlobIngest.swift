import Glibc
import NIOCore
import OCI

/// A blob download in flight: bytes are hashed as they are appended and written to
/// `ingest/<random>` in batches, on the store's file threads. `ContentStore.commit` then writes
/// what is left, verifies size and digest, makes the file durable, moves it into `blobs/` and
/// records it. Not Sendable: one task owns an ingest.
///
/// States: writing → verified → committed by the store; or, from any state, discarded (file
/// unlinked). The index never names an ingest file. See README.md beside this module.
public final class BlobIngest {
    public let digest: Digest
    public let expectedSize: Int64?
    let path: String
    private var fd: Int32
    /// Opened with the file, so `openReader` needs no `open` on the caller's thread.
    private var readerFD: Int32
    private let hasher = SHA256Hasher()
    private var batch = WriteBatch()
    private let files: BlockingPool
    /// Bytes appended (and hashed) so far; the last of them may not be in the file yet.
    public private(set) var bytesAppended: Int64 = 0
    /// Bytes in the file: what a reader of it may read now, and all that may be announced to one.
    public private(set) var bytesWritten: Int64 = 0
    public private(set) var isVerified = false
    /// Room promised under the budget; released on commit or discard.
    let reservation: SpaceReservation?
    /// Set by the store when it takes the file over (to rename it into `blobs/` or remove it).
    var committed = false
    /// Asks the store to free this many bytes of the filesystem (evicting); true when it freed some.
    private let makeRoom: (@Sendable (Int64) async -> Bool)?

    private init(digest: Digest, expectedSize: Int64?, path: String, descriptors: (writer: Int32, reader: Int32), files: BlockingPool,
                 reservation: SpaceReservation?, makeRoom: (@Sendable (Int64) async -> Bool)?) {
        self.digest = digest
        self.expectedSize = expectedSize
        self.path = path
        self.fd = descriptors.writer
        self.readerFD = descriptors.reader
        self.files = files
        self.reservation = reservation
        self.makeRoom = makeRoom
    }

    /// Creates the file at `path` on one of `files`' threads.
    static func create(digest: Digest, expectedSize: Int64?, path: String, files: BlockingPool,
                       reservation: SpaceReservation?, makeRoom: (@Sendable (Int64) async -> Bool)? = nil) async throws(StoreError) -> BlobIngest {
        let descriptors = try await files.run { () throws(StoreError) -> (writer: Int32, reader: Int32) in
            let writer = try POSIX.open(path, O_WRONLY | O_CREAT | O_EXCL)
            do throws(StoreError) {
                return (writer, try POSIX.open(path, O_RDONLY))
            } catch {
                close(writer)
                POSIX.unlink(path)
                throw error
            }
        }
        return BlobIngest(digest: digest, expectedSize: expectedSize, path: path, descriptors: descriptors, files: files,
                          reservation: reservation, makeRoom: makeRoom)
    }

    deinit { discard() }

    /// Hashes `chunk` and adds it to the batch for the file, writing the batch (on the store's file
    /// threads) when it is due (see `WriteBatch`). The buffer is kept, not copied, until written.
    /// Returns `bytesWritten`: announce only that many bytes to readers of the file.
    @discardableResult
    public func append(_ chunk: ByteBuffer) async throws(StoreError) -> Int64 {
        try chunk.withUnsafeReadableBytes { bytes throws(StoreError) in try accept(bytes) }
        let now = ContinuousClock.now
        batch.add(chunk, at: now)
        if batch.isDue(at: now) { try await flush() }
        return bytesWritten
    }

    /// Writes the batch now, on the store's file threads. Returns `bytesWritten`, then equal to
    /// `bytesAppended`.
    ///
    /// A filesystem that fills up meanwhile (ENOSPC: another process took the space the store saw
    /// free when the download began) gets one chance: the store evicts least recently used content,
    /// the part of the batch that was written is cut off (the file ends at `bytesWritten` again, all
    /// that readers were told of), and the whole batch is written again. If nothing could be
    /// evicted, or the disk is still full, the error stands and the download fails.
    @discardableResult
    public func flush() async throws(StoreError) -> Int64 {
        guard !batch.isEmpty else { return bytesWritten }
        let (buffers, count) = batch.take()
        do throws(StoreError) {
            try await files.run { [fd, path] () throws(StoreError) in try POSIX.writeAll(fd, buffers, path: path) }
        } catch {
            guard case .io(_, _, ENOSPC) = error, let makeRoom,
                  await makeRoom(max(Int64(count), (expectedSize ?? 0) - bytesWritten)) else { throw error }
            try await files.run { [fd, path, bytesWritten] () throws(StoreError) in
                try POSIX.truncate(fd, to: bytesWritten, path: path)
                try POSIX.writeAll(fd, buffers, path: path)
            }
        }
        bytesWritten += Int64(count)
        return bytesWritten
    }

    /// Appends and writes at once, on the caller's thread: for a caller that owns its thread and
    /// does nothing else meanwhile (a command-line import reading a bundle). Downloads that clients
    /// wait for use `append(_: ByteBuffer)`, which never blocks a cooperative thread.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        try accept(bytes)
        try writeBatchHere()
        try POSIX.writeAll(fd, bytes, path: path)
        bytesWritten += Int64(bytes.count)
    }

    /// Checks the bytes fit the announced size and hashes them; they are appended from here on.
    private func accept(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        precondition(!isVerified, "append after verify")
        let total = bytesAppended + Int64(bytes.count)
        if let expectedSize, total > expectedSize {
            throw .sizeMismatch(digest: digest, expected: expectedSize, actual: total)
        }
        hasher.update(bytes)
        bytesAppended = total
    }

    /// Writes a batch left by `append(_: ByteBuffer)` on the caller's thread.
    private func writeBatchHere() throws(StoreError) {
        guard !batch.isEmpty else { return }
        let (buffers, count) = batch.take()
        try POSIX.writeAll(fd, buffers, path: path)
        bytesWritten += Int64(count)
    }

    /// Checks size and digest against what was asked for; on a mismatch the file is discarded.
    /// After this no more bytes may be appended. A batch not yet written is written first, on the
    /// caller's thread (`ContentStore.commit` flushes it on the file threads before it verifies).
    public func verify() throws(StoreError) {
        guard !isVerified else { return }
        do throws(StoreError) {
            try writeBatchHere()
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

    /// Writes the rest, verifies, and fsyncs the file on the store's file threads, then closes it:
    /// the ingest is ready to be renamed into `blobs/`. On failure the file is discarded.
    func seal() async throws(StoreError) {
        do throws(StoreError) {
            try await flush()
            try verify()
            try await files.run { [fd, path] () throws(StoreError) in try POSIX.fsync(fd, path: path) }
            closeDescriptors()
        } catch {
            discard()
            throw error
        }
    }

    /// A new read-only descriptor on the file being written, for clients following the download
    /// (a duplicate, no file-system call; close-on-exec like every descriptor the store opens). It
    /// stays valid through the rename into `blobs/` (and after an unlink): the caller closes it.
    public func openReader() throws(StoreError) -> Int32 {
        let reader = fcntl(readerFD, F_DUPFD_CLOEXEC, 0)
        guard reader >= 0 else { throw .io(operation: "dup", path: path, errno: errno) }
        return reader
    }

    /// Removes the partial file. Idempotent; also runs when the ingest is dropped uncommitted.
    /// It closes and unlinks on the caller's thread: `deinit` cannot wait for a pool, and this is
    /// the rare path (a failed or abandoned download).
    public func discard() {
        closeDescriptors()
        if !committed {
            POSIX.unlink(path)
            reservation?.release()
        }
    }

    private func closeDescriptors() {
        for descriptor in [fd, readerFD] where descriptor >= 0 { close(descriptor) }
        (fd, readerFD) = (-1, -1)
    }
}
