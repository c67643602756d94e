import Cache
import OCI
import Store
import Testing

/// The repository's upstream alone: it answers, verified, and stores nothing.
@Suite struct UpstreamContentTests {
    @Test func itAnswersFromTheUpstreamAndStoresNothing() async throws {
        try await CacheFixture.with { fixture in
            let (manifest, bytes, digest) = fixture.upstreamImage("app/api", tag: "1.0", layerSize: 2_000)
            let upstream = UpstreamContent(logger: CacheFixture.logger)
            let repository = fixture.repository("app/api")

            let answer = try await upstream.manifest(repository, .tag(Tag("1.0")!))
            let size = try await upstream.blobSize(repository, digest)
            let blob = try await upstream.blob(repository, digest)
            guard case .passThrough = blob else {
                Issue.record("a blob from upstream content streams through")
                return
            }
            #expect(try await readAll(blob) == bytes)

            #expect(answer.digest == manifest.digest)
            #expect(answer.body == manifest.body)
            #expect(size == 2_000)
            #expect(fixture.registry.count(.manifestGet) == 1)
            #expect(fixture.registry.count(.blobHead) == 1)
            #expect(fixture.registry.count(.blobGet) == 1)
            #expect(try fixture.store.tag(TagKey(repository.storeKey, tag: Tag("1.0")!)) == nil)
            #expect(try fixture.store.manifest(manifest.digest) == nil)
            #expect(try fixture.store.blob(digest) == nil)
            #expect(try fixture.cache.lookupManifest(repository, .digest(manifest.digest)).isAnswered == false)
            #expect(try fixture.cache.lookupBlob(repository, digest).isAnswered == false)
        }
    }

    @Test func aManifestThatDoesNotMatchItsDigestIsRefusedWith502() async throws {
        try await CacheFixture.with { fixture in
            let manifest = imageManifest(layer: SHA256Hasher.digest(of: [9]), size: 1)
            let other = imageManifest(layer: SHA256Hasher.digest(of: [10]), size: 1)
            // The upstream answers `other`'s bytes when asked for `manifest`'s digest.
            fixture.registry.add(StoredManifest(digest: manifest.digest, mediaType: other.mediaType, bytes: other.bytes), in: "app/api")

            let error = await #expect(throws: RegistryError.self) {
                try await UpstreamContent(logger: CacheFixture.logger).manifest(fixture.repository("app/api"), .digest(manifest.digest))
            }

            #expect(error?.status == 502)
            #expect(error?.message == "upstream hub sent a manifest that does not match \(manifest.digest)")
        }
    }
}
