import Cache
import OCI
import Store
import Testing

/// Content the cache holds for the repository is served without asking the upstream.
@Suite struct HitTests {
    @Test func aManifestHitByDigestNeverAsksTheUpstream() async throws {
        try await CacheFixture.with { fixture in
            let manifest = imageManifest(layer: SHA256Hasher.digest(of: [2]), size: 1)
            fixture.registry.add(manifest, in: "app/api")
            let repository = fixture.repository("app/api")

            for _ in 0..<10 {
                let answer = try await fixture.cache.manifest(repository, .digest(manifest.digest))
                #expect(answer.body == manifest.body)
            }

            #expect(fixture.registry.count(.manifestGet) == 1)
            #expect(fixture.registry.total == 1)
        }
    }

    @Test func aBlobHitNeverAsksTheUpstream() async throws {
        try await CacheFixture.with { fixture in
            let bytes = blobBytes(10_000)
            let digest = SHA256Hasher.digest(of: bytes)
            fixture.registry.addBlob(bytes, in: "app/api")
            let repository = fixture.repository("app/api")
            #expect(try await readAll(try await fixture.cache.blob(repository, digest)) == bytes)

            for _ in 0..<10 {
                guard case .stored(let stored) = try await fixture.cache.blob(repository, digest) else {
                    Issue.record("a committed blob is served from its file")
                    return
                }
                #expect(stored.size == 10_000)
                stored.release()
            }

            #expect(fixture.registry.count(.blobGet) == 1)
            #expect(fixture.registry.total == 1)
        }
    }
}
