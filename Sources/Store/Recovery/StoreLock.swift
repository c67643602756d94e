import Glibc

/// An exclusive `flock` on `<root>/lock`, held by the one process that may sweep `ingest/` and
/// repair the store (a server, or `stowage verify --repair`). The kernel drops it when the
/// process dies, however it dies.
final class StoreLock: Sendable {
    private let fd: Int32

    init(path: String) throws(StoreError) {
        // `self.fd` is set only once the lock is held: a class whose initializer throws after all
        // its properties are set still runs `deinit`, which would close the descriptor a second
        // time (by then possibly another thread's newly opened file).
        let fd = try POSIX.open(path, O_RDWR | O_CREAT)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .locked(path: path) }
            throw .io(operation: "flock", path: path, errno: code)
        }
        self.fd = fd
    }

    deinit { close(fd) }
}
