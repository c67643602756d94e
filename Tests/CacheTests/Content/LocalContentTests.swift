import Cache
import OCI
import Store
import Testing

/// The store alone: a miss is a 404 and the upstream is never asked.
@Suite struct LocalContentTests {
    @Test func aMissIsA404AndAsksNothingUpstream() async throws {
        try await CacheFixture.with { fixture in
            let (manifest, _, digest) = fixture.upstreamImage("app/api", tag: "1.0", layerSize: 1_000)
            let local = fixture.cache.local
            let repository = fixture.repository("app/api")

            let byTag = #expect(throws: RegistryError.self) { try local.manifest(repository, .tag(Tag("1.0")!)) }
            let byDigest = #expect(throws: RegistryError.self) { try local.manifest(repository, .digest(manifest.digest)) }
            let blob = #expect(throws: RegistryError.self) { _ = try local.blob(repository, digest) }
            let size = #expect(throws: RegistryError.self) { try local.blobSize(repository, digest) }

            #expect([byTag, byDigest].map { $0?.code } == [.manifestUnknown, .manifestUnknown])
            #expect([blob, size].map { $0?.code } == [.blobUnknown, .blobUnknown])
            #expect([byTag, byDigest, blob, size].map { $0?.status } == [404, 404, 404, 404])
            #expect(fixture.registry.total == 0)
        }
    }

    @Test func itAnswersWhatThePullThroughCacheStoredForTheRepository() async throws {
        try await CacheFixture.with { fixture in
            let manifest = imageManifest(layer: SHA256Hasher.digest(of: [7]), size: 1)
            fixture.registry.add(manifest, in: "app/api", tag: "1.0")
            let repository = fixture.repository("app/api")
            _ = try await fixture.cache.manifest(repository, .tag(Tag("1.0")!))

            let answer = try fixture.cache.local.manifest(repository, .tag(Tag("1.0")!))

            #expect(answer.digest == manifest.digest)
            #expect(answer.body == manifest.body)
            #expect(fixture.registry.total == 1)
        }
    }
}
