import NIOPosix

/// A fixed number of threads of the store's own for blocking system calls (`write`, `fsync`,
/// `rename`, LMDB's commit), so none of them ever occupies a thread of Swift's cooperative pool
/// (two on a 2-core machine) or of GCD's global queue. Work items run in submission order, so a
/// one-thread pool is a serial queue.
///
/// Work submitted runs even when the submitting task is cancelled: a store write that was asked
/// for must finish or fail as a whole (NIO's `runIfActive` drops cancelled work before it runs,
/// which would skip a commit's cleanup). After `shutdown()` nothing runs and callers get `.closed`.
final class BlockingPool: Sendable {
    private let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns what it returned or threw.
    func run<R: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> R) async throws(StoreError) -> R {
        let result: Result<R, StoreError> = await withCheckedContinuation { continuation in
            pool.submit { state in
                guard case .active = state else { return continuation.resume(returning: .failure(.closed)) }
                continuation.resume(returning: Result { () throws(StoreError) -> R in try body() })
            }
        }
        return try result.get()
    }

    /// Lets work already running finish and stops the threads; work still queued gets `.closed`.
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// A store dropped without `close()` (a command that only read it, a test) still stops its
    /// threads. This does not wait for them; NIO joins them elsewhere.
    deinit { pool.shutdownGracefully { _ in } }
}
