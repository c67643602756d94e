import Glibc

/// An exclusive `flock` on `<root>/writer.lock`, held around every unit of index-writer work in
/// every process that writes the store (a server, `preseed` or `rm` beside it, a repair): an LMDB
/// transaction and the file operations that must not interleave with another process's, namely
/// renaming a blob into `blobs/` before its record is committed, and unlinking a blob after its
/// record's removal is committed. LMDB serialises the transactions of several processes, but not
/// what each does with the files between them; without this, one process could unlink a file
/// another had just renamed into the same path (a re-fetched copy of a blob the first removed),
/// leaving a record without its file. Held only while one unit runs (microseconds to an fsync).
final class WriterLock: Sendable {
    private let fd: Int32

    init(path: String) throws(StoreError) {
        fd = try POSIX.open(path, O_RDWR | O_CREAT)
    }

    /// Runs `body` with the lock held; waits for another process's unit to finish first.
    func holding<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    deinit { close(fd) }
}
