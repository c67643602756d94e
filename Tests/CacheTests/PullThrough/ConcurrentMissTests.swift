import Cache
import NIOCore
import OCI
import Store
import Testing

/// Many clients asking for the same uncached content at once cost one upstream request.
@Suite struct ConcurrentMissTests {
    static let clients = 16

    @Test func sixteenClientsAskingAnUncachedManifestCostOneUpstreamGet() async throws {
        try await CacheFixture.with { fixture in
            let manifest = imageManifest(layer: SHA256Hasher.digest(of: [1]), size: 1)
            fixture.registry.add(manifest, in: "app/api", tag: "1.0")
            let gate = fixture.registry.holdManifests()
            let arrivals = fixture.registry.arrivals()
            let (started, starting) = AsyncStream<Void>.makeStream()
            let repository = fixture.repository("app/api")
            let cache = fixture.cache

            let answers = try await withThrowingTaskGroup(of: ManifestResult.self) { group in
                for _ in 0..<Self.clients {
                    group.addTask {
                        starting.yield()
                        return try await cache.manifest(repository, .tag(Tag("1.0")!))
                    }
                }
                // The upstream answers only once every client has asked and the first request reached it.
                await waitFor(Self.clients, in: started)
                await waitFor(1, in: arrivals)
                await letOthersRun()
                gate.open()
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(fixture.registry.count(.manifestGet) == 1)
            #expect(fixture.registry.total == 1)
            #expect(answers.count == Self.clients)
            #expect(answers.allSatisfy { $0.digest == manifest.digest && $0.body == manifest.body && $0.staleWarning == nil })
        }
    }

    @Test func sixteenClientsAskingAnUncachedBlobCostOneUpstreamGetAndEachGetsTheBlob() async throws {
        try await CacheFixture.with { fixture in
            let bytes = blobBytes(300_000)
            let digest = SHA256Hasher.digest(of: bytes)
            let body = fixture.registry.holdBlob(digest, size: Int64(bytes.count), in: "app/api")
            let arrivals = fixture.registry.arrivals()
            let (started, starting) = AsyncStream<Void>.makeStream()
            let repository = fixture.repository("app/api")
            let cache = fixture.cache

            let received = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<Self.clients {
                    group.addTask {
                        starting.yield()
                        return try await readAll(try await cache.blob(repository, digest))
                    }
                }
                await waitFor(Self.clients, in: started)
                await waitFor(1, in: arrivals)
                await letOthersRun()
                body.yield(ByteBuffer(bytes: bytes[..<100_000]))
                body.yield(ByteBuffer(bytes: bytes[100_000...]))
                body.finish()
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(fixture.registry.count(.blobGet) == 1)
            #expect(fixture.registry.total == 1)
            #expect(received.count == Self.clients)
            #expect(received.allSatisfy { SHA256Hasher.digest(of: $0) == digest })
        }
    }
}
