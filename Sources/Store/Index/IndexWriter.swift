/// The single writer of the LMDB index. LMDB allows one write transaction at a time and its
/// commit fsyncs, so writes run on one thread of their own (a one-thread `BlockingPool`, which
/// runs its work in submission order) instead of blocking the cooperative pool. Work that must not
/// interleave with other writes (renaming a blob into place, unlinking evicted or removed files)
/// runs on the same thread with `perform`, and each unit holds the store's `WriterLock`, so it
/// does not interleave with another process's either.
final class IndexWriter: Sendable {
    private let environment: LMDBEnvironment
    private let lock: WriterLock
    private let thread = BlockingPool(threads: 1)

    init(environment: LMDBEnvironment, lock: WriterLock) {
        self.environment = environment
        self.lock = lock
    }

    /// Runs `body` on the writer thread, holding the writer lock; it may open write transactions
    /// with `transaction`.
    func perform<R: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> R) async throws(StoreError) -> R {
        try await thread.run { [lock] () throws(StoreError) -> R in try lock.holding(body) }
    }

    /// One write transaction on the writer thread.
    func write<R: Sendable>(_ body: @escaping @Sendable (borrowing LMDBTransaction) throws(LMDBError) -> R) async throws(StoreError) -> R {
        try await perform { [environment] () throws(StoreError) -> R in try transaction(environment, body) }
    }

    /// Finishes the write in progress and stops the thread; later writes fail with `.closed`.
    func shutdown() async {
        await thread.shutdown()
    }
}

/// A write transaction with its errors as `StoreError`. Call it on the writer thread (or at
/// start-up, before the store is shared).
func transaction<R>(_ environment: LMDBEnvironment, _ body: (borrowing LMDBTransaction) throws(LMDBError) -> R) throws(StoreError) -> R {
    do { return try environment.write(body) } catch { throw .index(error) }
}
