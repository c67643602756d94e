import Foundation
import OCI
import Store
import Testing

/// `stowage rm`'s store half: tags, links and (where nothing else links it) content removed in one
/// transaction, files unlinked after it, the index consistent with the files throughout.
@Suite struct RemovalTests {
    let fixture = StoreFixture()
    let app = RepositoryKey(upstream: "hub", repository: RepositoryName("org/app")!)
    let other = RepositoryKey(upstream: "hub", repository: RepositoryName("org/other")!)
    let base = StoreFixture.blob("base", size: 300)
    let top = StoreFixture.blob("top", size: 200)
    let next = StoreFixture.blob("next", size: 100)

    func tag(_ name: String, in repository: RepositoryKey? = nil) -> TagKey { TagKey(repository ?? app, tag: Tag(name)!) }

    /// `org/app:1` lists base and top; `org/app:2` lists base and next.
    func twoTags(_ store: ContentStore) async throws -> (one: StoredManifest, two: StoredManifest) {
        let one = StoreFixture.manifest(referencing: [base.digest, top.digest])
        let two = StoreFixture.manifest(referencing: [base.digest, next.digest])
        try await store.putManifest(one, linkedTo: app, tag: tag("1"))
        try await store.putManifest(two, linkedTo: app, tag: tag("2"))
        for blob in [base, top, next] { try await StoreFixture.put(blob, in: store, linkedTo: app) }
        return (one, two)
    }

    @Test func removingATagDeletesWhatOnlyItsImageUsedAndKeepsWhatAnotherTagShares() async throws {
        let store = try fixture.open()
        let (one, two) = try await twoTags(store)
        let before = try store.statistics().bytesUsed

        let report = try await store.remove(.tag(tag("1")))

        #expect(report.tags == ["org/app:1"])
        #expect(report.unlinked == 2, "the manifest and top; base is still listed by tag 2")
        #expect(report.deleted == 2)
        #expect(report.deletedBytes == Int64(one.bytes.count + 200))
        #expect(try store.tag(tag("1")) == nil)
        #expect(try store.tag(tag("2"))?.digest == two.digest)
        #expect(try store.manifest(one.digest) == nil)
        #expect(!fixture.blobFileExists(top.digest))
        #expect(fixture.blobFileExists(base.digest) && fixture.blobFileExists(next.digest))
        #expect(try store.isLinked(base.digest, to: app))
        #expect(try store.statistics().bytesUsed == before - report.deletedBytes)
        #expect(try store.check(hashing: true).isClean)
    }

    @Test func contentAnotherRepositoryLinksIsUnlinkedHereButKept() async throws {
        let store = try fixture.open()
        let (one, _) = try await twoTags(store)
        try await store.putManifest(one, linkedTo: other, tag: tag("1", in: other))

        let report = try await store.remove(.repository(app))

        #expect(report.tags == ["org/app:1", "org/app:2"])
        #expect(try store.manifest(one.digest, in: other).isFound)
        #expect(try !store.isLinked(one.digest, to: app))
        #expect(fixture.blobFileExists(base.digest) && fixture.blobFileExists(top.digest), "org/other's image lists them")
        #expect(!fixture.blobFileExists(next.digest), "only org/app:2 listed it")
        #expect(try store.repositories(of: "hub") == [RepositoryName("org/other")!])
        #expect(try store.check(hashing: true).isClean)
    }

    @Test func removingAManifestByDigestTakesEveryTagPointingAtIt() async throws {
        let store = try fixture.open()
        let (one, _) = try await twoTags(store)
        try await store.putManifest(one, linkedTo: app, tag: tag("latest"))

        let report = try await store.remove(.manifest(one.digest, in: app))

        #expect(report.tags.sorted() == ["org/app:1", "org/app:latest"])
        #expect(try store.manifest(one.digest) == nil)
        #expect(try store.tag(tag("2")) != nil)
    }

    @Test func aTagWhoseManifestAnotherTagStillNamesTakesOnlyTheTag() async throws {
        let store = try fixture.open()
        let (one, _) = try await twoTags(store)
        try await store.putManifest(one, linkedTo: app, tag: tag("latest"))

        let report = try await store.remove(.tag(tag("latest")))

        #expect(report == RemovalReport(tags: ["org/app:latest"]))
        #expect(try store.manifest(one.digest, in: app).isFound)
    }

    @Test func aPinnedImageIsRefusedAndNothingChanges() async throws {
        let store = try fixture.open()
        let (one, _) = try await twoTags(store)
        try await store.pin(one.digest, as: "org/app:1")

        let error = await #expect(throws: StoreError.self) { try await store.remove(.tag(tag("1"))) }

        #expect(error?.description == "org/app:1 is pinned: `stowage unpin org/app:1` first")
        #expect(try store.tag(tag("1"))?.digest == one.digest)
        #expect(fixture.blobFileExists(top.digest))
    }

    @Test func whatIsNotCachedIsNamed() async throws {
        let store = try fixture.open()
        let error = await #expect(throws: StoreError.self) { try await store.remove(.tag(tag("9"))) }
        #expect(error?.description == "hub/org/app:9 is not in the cache")
    }

    @Test func aRemovalBesideTheServerGoesThroughTheSharedWriterLock() async throws {
        let server = try fixture.open()
        let (one, _) = try await twoTags(server)
        let beside = try fixture.open(role: .reader)

        let report = try await beside.remove(.tag(tag("1")))

        #expect(report.deleted == 2)
        #expect(try server.manifest(one.digest) == nil, "the server reads the removal at once")
        #expect(try server.check(hashing: true).isClean)
    }
}

extension RepositoryLookup {
    var isFound: Bool {
        if case .found = self { return true }
        return false
    }
}

extension RemovalReport {
    init(tags: [String]) {
        self.init()
        self.tags = tags
    }
}
