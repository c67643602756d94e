import Synchronization

/// Accesses noted on the read path, waiting for the index writer (invariant 6: reads never write).
///
/// Every access takes the next number of an in-memory clock at the moment it happens, so the
/// order is exact however late the batch is written. A crash loses at most the last batch of
/// access updates, never content.
final class PendingAccesses: Sendable {
    struct Access: Sendable {
        let sequence: UInt64
        let at: Int64
    }

    struct Counters: Sendable {
        var hits: Int64 = 0
        var misses: Int64 = 0
        var uncachedForSpace: Int64 = 0
    }

    private let clock: Atomic<UInt64>
    private let pending = Mutex<[ContentKey: Access]>([:])
    /// Counted without a lock: every hit counts one.
    private let hits = Atomic<Int64>(0)
    private let misses = Atomic<Int64>(0)
    private let uncachedForSpace = Atomic<Int64>(0)

    init(clock: UInt64) {
        self.clock = Atomic(clock)
    }

    /// The next position in the access order.
    func nextSequence() -> UInt64 {
        clock.add(1, ordering: .relaxed).oldValue
    }

    /// The value to persist as `Meta.accessClock`.
    var clockValue: UInt64 { clock.load(ordering: .relaxed) }

    func note(_ key: ContentKey) {
        let access = Access(sequence: nextSequence(), at: now())
        pending.withLock { $0[key] = access }
    }

    enum Counter { case hit, miss, uncachedForSpace }

    func count(_ counter: Counter) {
        switch counter {
        case .hit: hits.add(1, ordering: .relaxed)
        case .miss: misses.add(1, ordering: .relaxed)
        case .uncachedForSpace: uncachedForSpace.add(1, ordering: .relaxed)
        }
    }

    /// Everything noted since the last call.
    func take() -> (accesses: [ContentKey: Access], counters: Counters) {
        let accesses = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        let counted = Counters(hits: hits.exchange(0, ordering: .relaxed), misses: misses.exchange(0, ordering: .relaxed),
                               uncachedForSpace: uncachedForSpace.exchange(0, ordering: .relaxed))
        return (accesses, counted)
    }
}
