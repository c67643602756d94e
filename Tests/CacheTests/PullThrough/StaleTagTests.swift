import Cache
import OCI
import Store
import Testing

/// A tag older than its upstream's `tagTTL` (zero: every ask) is revalidated with one `HEAD`, and
/// served from the store when the upstream cannot answer.
@Suite struct StaleTagTests {
    let tag = Tag("1.0")!
    let manifest = imageManifest(layer: SHA256Hasher.digest(of: [3]), size: 1)

    /// Caches `app/api:1.0` through the fixture (one GET).
    private func cacheTag(_ fixture: CacheFixture) async throws -> CacheRepository {
        fixture.registry.add(manifest, in: "app/api", tag: "1.0")
        let repository = fixture.repository("app/api")
        _ = try await fixture.cache.manifest(repository, .tag(tag))
        #expect(fixture.registry.count(.manifestGet) == 1)
        return repository
    }

    @Test func aStaleTagWithAnUnchangedDigestCostsOneHeadAndServesTheStoredBytes() async throws {
        try await CacheFixture.with(tagTTL: .zero) { fixture in
            let repository = try await cacheTag(fixture)

            let answer = try await fixture.cache.manifest(repository, .tag(tag))

            #expect(fixture.registry.count(.manifestHead) == 1)
            #expect(fixture.registry.count(.manifestGet) == 1)
            #expect(answer.digest == manifest.digest)
            #expect(answer.body == manifest.body)
            #expect(answer.staleWarning == nil)
        }
    }

    @Test func aStaleTagIsServedFromTheStoreWithAWarningWhenTheUpstreamAnswers5xx() async throws {
        try await CacheFixture.with(tagTTL: .zero) { fixture in
            let repository = try await cacheTag(fixture)
            fixture.registry.fail(.status(503))

            let answer = try await fixture.cache.manifest(repository, .tag(tag))

            #expect(answer.body == manifest.body)
            #expect(answer.staleWarning == "upstream hub unavailable; serving cached app/api:1.0")
            #expect(fixture.registry.count(.manifestHead) == 1)
            #expect(fixture.registry.count(.manifestGet) == 1)
        }
    }

    @Test func aStaleTagIsServedFromTheStoreWithAWarningWhenTheUpstreamIsUnreachable() async throws {
        try await CacheFixture.with(tagTTL: .zero) { fixture in
            let repository = try await cacheTag(fixture)
            fixture.registry.fail(.unreachable)

            let answer = try await fixture.cache.manifest(repository, .tag(tag))

            #expect(answer.body == manifest.body)
            #expect(answer.staleWarning == "upstream hub unavailable; serving cached app/api:1.0")
            #expect(fixture.registry.count(.manifestHead) == 1)
        }
    }

    @Test func anUncachedTagTheUpstreamDoesNotHaveIsManifestUnknown404() async throws {
        try await CacheFixture.with(tagTTL: .zero) { fixture in
            let error = await #expect(throws: RegistryError.self) {
                try await fixture.cache.manifest(fixture.repository("app/api"), .tag(tag))
            }
            #expect(error?.code == .manifestUnknown)
            #expect(error?.status == 404)
            #expect(error?.message == "not found at upstream hub (asked for app/api)", "names the repository as the upstream was asked")
            #expect(fixture.registry.count(.manifestGet) == 1)
        }
    }
}
