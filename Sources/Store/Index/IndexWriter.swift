import Dispatch

/// The single writer of the LMDB index. LMDB allows one write transaction at a time and its
/// commit fsyncs, so writes run on one serial queue instead of blocking the cooperative pool.
final class IndexWriter: Sendable {
    private let environment: LMDBEnvironment
    private let queue = DispatchQueue(label: "stowage.index-writer")

    init(environment: LMDBEnvironment) {
        self.environment = environment
    }

    func write<R: Sendable>(_ body: @escaping @Sendable (borrowing LMDBTransaction) throws(LMDBError) -> R) async throws(StoreError) -> R {
        let result: Result<R, LMDBError> = await withCheckedContinuation { continuation in
            queue.async { [environment] in
                continuation.resume(returning: Result { () throws(LMDBError) -> R in try environment.write(body) })
            }
        }
        return try result.mapError(StoreError.index).get()
    }
}

/// Runs blocking file-system work (fsync, rename, directory scans) off the cooperative pool.
func offloaded<R: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> R) async throws(StoreError) -> R {
    let result: Result<R, StoreError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: Result { () throws(StoreError) -> R in try body() })
        }
    }
    return try result.get()
}
