import Glibc
import Testing
@testable import Store

/// The store's threads end with it, whether it was closed or only dropped.
@Suite struct StoreThreadsTests {
    let fixture = StoreFixture()

    /// `<pid>/task/<tid>` of the calling thread, as `/proc/thread-self` names it.
    @Sendable static func currentThread() -> String {
        var name = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &name, name.count - 1)
        return String(decoding: name.prefix(max(count, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The store's writer thread and one of its file threads.
    static func threads(of store: ContentStore) async throws -> [String] {
        let writer = try await store.writer.perform { () throws(StoreError) in currentThread() }
        let file = try await store.files.run { () throws(StoreError) in currentThread() }
        return [writer, file]
    }

    static func running(_ thread: String) -> Bool { access("/proc/\(thread)", F_OK) == 0 }

    static func waitUntilEnded(_ threads: [String]) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while threads.contains(where: running), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func closingTheStoreStopsItsThreads() async throws {
        let store = try fixture.open()
        let ids = try await Self.threads(of: store)
        #expect(ids.count == 2)
        #expect(ids.allSatisfy(Self.running))
        await store.close()
        try await Self.waitUntilEnded(ids)
        #expect(ids.filter(Self.running) == [])
    }

    @Test func droppingTheStoreStopsItsThreads() async throws {
        var ids: [String] = []
        do {
            let store = try fixture.open()
            ids = try await Self.threads(of: store)
            try await StoreFixture.put(StoreFixture.blob("dropped", size: 100_000), in: store)
        }
        try await Self.waitUntilEnded(ids)
        #expect(ids.filter(Self.running) == [])
    }
}
