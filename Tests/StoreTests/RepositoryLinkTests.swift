import Foundation
import OCI
import Store
import Testing

/// Invariant 5: content is stored once per digest, and a repository is served only what is linked to it.
@Suite struct RepositoryLinkTests {
    let fixture = StoreFixture()
    let hubApp = RepositoryKey(upstream: "hub", repository: RepositoryName("org/app")!)
    let ghcrApp = RepositoryKey(upstream: "ghcr", repository: RepositoryName("org/app")!)
    let layer = StoreFixture.blob("layer", size: 300)

    @Test func aManifestStoredThroughARepositoryLinksItselfAndWhatItLists() async throws {
        let store = try fixture.open()
        let manifest = StoreFixture.manifest(referencing: [layer.digest])
        try await store.putManifest(manifest, linkedTo: hubApp)
        try await StoreFixture.put(layer, in: store)
        guard case .found(let found) = try store.manifest(manifest.digest, in: hubApp) else { Issue.record("manifest not found"); return }
        #expect(found == manifest)
        guard case .found(let opened) = try store.openBlob(layer.digest, in: hubApp) else { Issue.record("layer not found"); return }
        #expect(opened.size == 300)
        #expect(try store.isLinked(layer.digest, to: hubApp))
    }

    @Test func theSameNameAtAnotherUpstreamIsNotLinked() async throws {
        let store = try fixture.open()
        let manifest = StoreFixture.manifest(referencing: [layer.digest])
        try await store.putManifest(manifest, linkedTo: hubApp)
        try await StoreFixture.put(layer, in: store, linkedTo: hubApp)
        guard case .notLinked = try store.manifest(manifest.digest, in: ghcrApp) else { Issue.record("served unlinked manifest"); return }
        guard case .notLinked = try store.openBlob(layer.digest, in: ghcrApp) else { Issue.record("served unlinked blob"); return }
        guard case .notLinked = try store.blob(layer.digest, in: ghcrApp) else { Issue.record("sized unlinked blob"); return }

        try await store.link([layer.digest], to: ghcrApp)
        guard case .found = try store.openBlob(layer.digest, in: ghcrApp) else { Issue.record("confirmed blob not served"); return }
        guard case .notCached = try store.openBlob(StoreFixture.blob("other", size: 1).digest, in: ghcrApp) else { Issue.record("phantom blob"); return }
    }

    @Test func aBlobCommittedThroughARepositoryIsLinkedToIt() async throws {
        let store = try fixture.open()
        try await StoreFixture.put(layer, in: store, linkedTo: ghcrApp)
        #expect(try store.isLinked(layer.digest, to: ghcrApp))
        #expect(try !store.isLinked(layer.digest, to: hubApp))
    }

    @Test func evictionDropsTheLinksOfWhatItEvicts() async throws {
        let store = try fixture.open(budget: 1000)
        let a = StoreFixture.blob("a", size: 400), b = StoreFixture.blob("b", size: 400), c = StoreFixture.blob("c", size: 400)
        try await StoreFixture.put(a, in: store, linkedTo: hubApp)
        try await StoreFixture.put(b, in: store, linkedTo: hubApp)
        try await store.link([a.digest], to: ghcrApp)
        try await StoreFixture.put(c, in: store, linkedTo: hubApp)  // evicts a, the least recent
        #expect(try store.blob(a.digest) == nil)
        #expect(try !store.isLinked(a.digest, to: hubApp))
        #expect(try !store.isLinked(a.digest, to: ghcrApp))
        #expect(try store.isLinked(b.digest, to: hubApp))
    }

    @Test func repositoriesAndTheirTagsAreListedPerUpstream() async throws {
        let store = try fixture.open()
        let manifest = StoreFixture.manifest(referencing: [])
        let other = RepositoryKey(upstream: "hub", repository: RepositoryName("lib/x")!)
        try await store.putManifest(manifest, linkedTo: hubApp, tag: TagKey(hubApp, tag: Tag("2.0")!))
        try await store.putManifest(manifest, linkedTo: hubApp, tag: TagKey(hubApp, tag: Tag("1.0")!))
        try await store.link([layer.digest], to: other)
        try await store.putManifest(manifest, linkedTo: ghcrApp)
        #expect(try store.repositories(of: "hub").map(\.value) == ["lib/x", "org/app"])
        #expect(try store.repositories(of: "ghcr").map(\.value) == ["org/app"])
        #expect(try store.repositories(of: "hu").isEmpty)
        #expect(try store.tags(in: hubApp) == ["1.0", "2.0"])
        #expect(try store.tags(in: ghcrApp) == [])
    }

    @Test func aLayoutTwoIndexIsUpgradedKeepingItsContentUnlinked() async throws {
        do {
            let store = try fixture.open()
            try await store.putManifest(StoreFixture.manifest(referencing: [layer.digest]), linkedTo: hubApp, tag: TagKey(hubApp, tag: Tag("1.0")!))
            try await StoreFixture.put(layer, in: store, linkedTo: hubApp)
            try await store.rewriteAsLayout2()
            #expect(try store.repositories(of: "hub").isEmpty)
            await store.close()
        }
        let reopened = try fixture.open()
        #expect(try reopened.repositories(of: "hub").map(\.value) == ["org/app"], "repositories come from the tags")
        guard case .notLinked = try reopened.openBlob(layer.digest, in: hubApp) else { Issue.record("upgraded content must be confirmed before it is linked"); return }
    }
}
