import Cache
import OCI
import Store
import Testing

/// Content cached through one repository is served through another of the same upstream only once
/// that repository's upstream confirms it with a `HEAD` (invariant 5); it is then linked there.
@Suite struct ConfirmAndLinkTests {
    @Test func aBlobCachedThroughAnotherRepositoryCostsOneHeadAndIsThenLinked() async throws {
        try await CacheFixture.with { fixture in
            let bytes = blobBytes(5_000)
            let digest = SHA256Hasher.digest(of: bytes)
            fixture.registry.addBlob(bytes, in: "team/a")
            fixture.registry.addBlob(bytes, in: "team/b")
            _ = try await readAll(try await fixture.cache.blob(fixture.repository("team/a"), digest))
            #expect(fixture.registry.count(.blobGet) == 1)

            let first = try await readAll(try await fixture.cache.blob(fixture.repository("team/b"), digest))
            #expect(first == bytes)
            #expect(fixture.registry.count(.blobHead) == 1)
            #expect(fixture.registry.count(.blobGet) == 1)

            let second = try await readAll(try await fixture.cache.blob(fixture.repository("team/b"), digest))
            #expect(second == bytes)
            #expect(fixture.registry.total == 2, "one GET through a, one HEAD through b")
        }
    }

    @Test func aBlobTheOtherRepositoryDoesNotHaveIsBlobUnknownAndNotLinked() async throws {
        try await CacheFixture.with { fixture in
            let bytes = blobBytes(5_000)
            let digest = SHA256Hasher.digest(of: bytes)
            fixture.registry.addBlob(bytes, in: "team/a")
            _ = try await readAll(try await fixture.cache.blob(fixture.repository("team/a"), digest))

            let error = await #expect(throws: RegistryError.self) {
                _ = try await fixture.cache.blob(fixture.repository("team/b"), digest)
            }

            #expect(error?.code == .blobUnknown)
            #expect(error?.status == 404)
            #expect(fixture.registry.count(.blobHead) == 1)
            #expect(fixture.registry.count(.blobGet) == 1)
            #expect(try fixture.store.isLinked(digest, to: fixture.repository("team/b").storeKey) == false)
        }
    }

    @Test func aManifestCachedThroughAnotherRepositoryCostsOneHeadAndIsThenLinked() async throws {
        try await CacheFixture.with { fixture in
            let manifest = imageManifest(layer: SHA256Hasher.digest(of: [4]), size: 1)
            fixture.registry.add(manifest, in: "team/a")
            fixture.registry.add(manifest, in: "team/b")
            _ = try await fixture.cache.manifest(fixture.repository("team/a"), .digest(manifest.digest))

            let first = try await fixture.cache.manifest(fixture.repository("team/b"), .digest(manifest.digest))
            #expect(first.body == manifest.body)
            #expect(fixture.registry.count(.manifestHead) == 1)
            #expect(fixture.registry.count(.manifestGet) == 1)

            let second = try await fixture.cache.manifest(fixture.repository("team/b"), .digest(manifest.digest))
            #expect(second.body == manifest.body)
            #expect(fixture.registry.total == 2, "one GET through a, one HEAD through b")
        }
    }

    @Test func aManifestTheOtherRepositoryDoesNotHaveIsManifestUnknownAndNotLinked() async throws {
        try await CacheFixture.with { fixture in
            let manifest = imageManifest(layer: SHA256Hasher.digest(of: [5]), size: 1)
            fixture.registry.add(manifest, in: "team/a")
            _ = try await fixture.cache.manifest(fixture.repository("team/a"), .digest(manifest.digest))

            let error = await #expect(throws: RegistryError.self) {
                _ = try await fixture.cache.manifest(fixture.repository("team/b"), .digest(manifest.digest))
            }

            #expect(error?.code == .manifestUnknown)
            #expect(error?.status == 404)
            #expect(fixture.registry.count(.manifestHead) == 1)
            #expect(fixture.registry.count(.manifestGet) == 1)
            #expect(try fixture.store.isLinked(manifest.digest, to: fixture.repository("team/b").storeKey) == false)
        }
    }
}
