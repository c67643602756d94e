import Foundation
import OCI
import Store
import Testing

/// A budget of 1000 bytes: eviction stops at the 900-byte low watermark. Blobs are 400 bytes.
@Suite struct EvictionTests {
    let fixture = StoreFixture()
    let a = StoreFixture.blob("a", size: 400)
    let b = StoreFixture.blob("b", size: 400)
    let c = StoreFixture.blob("c", size: 400)

    @Test func theLeastRecentlyAccessedBlobIsEvictedFirst() async throws {
        let store = try fixture.open(budget: 1000)
        try await StoreFixture.put(a, in: store)
        try await StoreFixture.put(b, in: store)
        store.noteAccess(ContentKey(.blob, a.digest))  // a is now more recent than b
        #expect(try await StoreFixture.put(c, in: store))
        #expect(try store.blob(a.digest) != nil)
        #expect(try store.blob(b.digest) == nil)
        #expect(!fixture.blobFileExists(b.digest))
        #expect(try store.blob(c.digest) != nil)
        let stats = try store.statistics()
        #expect(stats.bytesUsed == 800)
        #expect(stats.evictions == 1)
    }

    @Test func pinnedContentIsSkippedAndEvictionGoesOnToTheNext() async throws {
        let store = try fixture.open(budget: 1000)
        let manifest = StoreFixture.manifest(referencing: [a.digest])
        try await StoreFixture.put(a, in: store)
        try await store.putManifest(manifest)
        try await store.pin(manifest.digest, as: "app:1")
        try await StoreFixture.put(b, in: store)
        #expect(try await StoreFixture.put(c, in: store))
        #expect(try store.blob(a.digest) != nil)
        #expect(try store.manifest(manifest.digest) != nil)
        #expect(try store.blob(b.digest) == nil)
    }

    @Test func whenEverythingIsPinnedAMissIsNotKeptAndIsCounted() async throws {
        let store = try fixture.open(budget: 1200)  // room for a, b and their manifest, not for c
        let manifest = StoreFixture.manifest(referencing: [a.digest, b.digest])
        try await StoreFixture.put(a, in: store)
        try await StoreFixture.put(b, in: store)
        try await store.putManifest(manifest)
        try await store.pin(manifest.digest, as: "app:1")
        #expect(try await store.beginIngest(of: c.digest, expectedSize: 400) == nil)
        try await store.flushAccesses()
        let stats = try store.statistics()
        #expect(stats.uncachedForSpace == 1)
        #expect(stats.bytesUsed == 800 + Int64(manifest.bytes.count))
    }

    @Test func pinnedBytesCountTheManifestAndTheBlobsItReferencesThatAreCached() async throws {
        let store = try fixture.open(budget: 10_000)
        let manifest = StoreFixture.manifest(referencing: [a.digest, b.digest])  // b is never cached
        try await StoreFixture.put(a, in: store)
        try await StoreFixture.put(c, in: store)
        try await store.putManifest(manifest)
        #expect(try store.statistics().pinnedBytes == 0)
        try await store.pin(manifest.digest, as: "app:1")
        let stats = try store.statistics()
        #expect(stats.pinnedBytes == 400 + Int64(manifest.bytes.count))
        #expect(stats.bytesUsed == 800 + Int64(manifest.bytes.count))
    }

    @Test func aBlobBeingSentIsNotEvicted() async throws {
        let store = try fixture.open(budget: 1000)
        let repository = RepositoryKey(upstream: "u", repository: RepositoryName("app")!)
        try await StoreFixture.put(a, in: store, linkedTo: repository)
        try await StoreFixture.put(b, in: store)
        guard case .found(let sending) = try store.openBlob(a.digest, in: repository) else {
            Issue.record("the blob could not be opened")
            return
        }
        #expect(try await StoreFixture.put(c, in: store))
        #expect(try store.blob(a.digest) != nil)
        #expect(try store.blob(b.digest) == nil)
        sending.release()
    }

    @Test func aBlobLargerThanTheBudgetIsNeverKept() async throws {
        let store = try fixture.open(budget: 1000)
        #expect(try await store.beginIngest(of: a.digest, expectedSize: 1001) == nil)
    }

    @Test func aDownloadOfUnknownSizeThatDoesNotFitIsDropped() async throws {
        let store = try fixture.open(budget: 1000)
        let big = StoreFixture.blob("big", size: 1200)
        let ingest = try #require(try await store.beginIngest(of: big.digest, expectedSize: nil))
        try big.bytes.withUnsafeBytes { try ingest.append($0) }
        #expect(try await store.commit(ingest) == false)
        #expect(try store.blob(big.digest) == nil)
        #expect(!fixture.blobFileExists(big.digest))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/ingest").isEmpty)
    }

    @Test func bytesUsedCountsBlobsAndManifestsAndSurvivesAReopen() async throws {
        let manifest = StoreFixture.manifest(referencing: [a.digest])
        do {
            let store = try fixture.open(budget: 1000)
            try await StoreFixture.put(a, in: store)
            try await store.putManifest(manifest)
            await store.close()
        }
        let reopened = try fixture.open(budget: 1000)
        #expect(try reopened.statistics().bytesUsed == 400 + Int64(manifest.bytes.count))
    }
}
