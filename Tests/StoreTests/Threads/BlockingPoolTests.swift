import Glibc
import Synchronization
import Testing
@testable import Store

@Suite struct BlockingPoolTests {
    /// What the pool's threads did, recorded from inside the work items.
    final class Observed: Sendable {
        let running = Atomic<Int>(0)
        let mostAtOnce = Atomic<Int>(0)
        let threads = Mutex<Set<UInt>>([])
        let ran = Atomic<Bool>(false)

        func enter() {
            mostAtOnce.max(running.add(1, ordering: .relaxed).newValue, ordering: .relaxed)
            threads.withLock { _ = $0.insert(UInt(pthread_self())) }
        }

        func leave() { running.subtract(1, ordering: .relaxed) }
    }

    @Test func aOneThreadPoolRunsOneItemAtATimeOnOneThread() async throws {
        let pool = BlockingPool(threads: 1)
        let observed = Observed()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await pool.run { () throws(StoreError) in
                        observed.enter()
                        usleep(1000)
                        observed.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        let (most, threadCount) = (observed.mostAtOnce.load(ordering: .relaxed), observed.threads.withLock { $0.count })
        #expect(most == 1)
        #expect(threadCount == 1)
        await pool.shutdown()
    }

    @Test func workRunsOffTheCallersThreadAndReturnsItsResultOrTypedError() async throws {
        let pool = BlockingPool(threads: 2)
        let caller = UInt(pthread_self())
        let worker = try await pool.run { () throws(StoreError) in UInt(pthread_self()) }
        #expect(worker != caller)
        let error = await #expect(throws: StoreError.self) {
            try await pool.run { () throws(StoreError) in throw StoreError.notCached("x") }
        }
        let message = error?.description
        #expect(message == "x is not in the cache")
        await pool.shutdown()
    }

    @Test func workSubmittedByACancelledTaskStillRuns() async throws {
        let pool = BlockingPool(threads: 1)
        let observed = Observed()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await pool.run { () throws(StoreError) in observed.ran.store(true, ordering: .relaxed) }
        }
        try await task.value
        let ran = observed.ran.load(ordering: .relaxed)
        #expect(ran)
        await pool.shutdown()
    }

    @Test func afterShutdownWorkIsRefusedAsClosed() async throws {
        let pool = BlockingPool(threads: 1)
        await pool.shutdown()
        let error = await #expect(throws: StoreError.self) { try await pool.run { () throws(StoreError) in 1 } }
        let message = error?.description
        #expect(message == StoreError.closed.description)
    }
}
