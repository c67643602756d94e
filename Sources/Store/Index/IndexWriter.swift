import Dispatch

/// The single writer of the LMDB index. LMDB allows one write transaction at a time and its
/// commit fsyncs, so writes run on one serial queue instead of blocking the cooperative pool.
/// Work that must not interleave with other writes (renaming a blob into place, unlinking
/// evicted files) runs on the same queue with `perform`.
final class IndexWriter: Sendable {
    private let environment: LMDBEnvironment
    private let queue = DispatchQueue(label: "stowage.index-writer")

    init(environment: LMDBEnvironment) {
        self.environment = environment
    }

    /// Runs `body` on the writer queue; it may open write transactions with `transaction`.
    func perform<R: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> R) async throws(StoreError) -> R {
        let result: Result<R, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(StoreError) -> R in try body() })
            }
        }
        return try result.get()
    }

    /// One write transaction on the writer queue.
    func write<R: Sendable>(_ body: @escaping @Sendable (borrowing LMDBTransaction) throws(LMDBError) -> R) async throws(StoreError) -> R {
        try await perform { [environment] () throws(StoreError) -> R in try transaction(environment, body) }
    }
}

/// A write transaction with its errors as `StoreError`. Call it on the writer queue (or at
/// start-up, before the store is shared).
func transaction<R>(_ environment: LMDBEnvironment, _ body: (borrowing LMDBTransaction) throws(LMDBError) -> R) throws(StoreError) -> R {
    do { return try environment.write(body) } catch { throw .index(error) }
}

/// Runs blocking file-system work (fsync, directory scans) off the cooperative pool.
func offloaded<R: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> R) async throws(StoreError) -> R {
    let result: Result<R, StoreError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: Result { () throws(StoreError) -> R in try body() })
        }
    }
    return try result.get()
}
