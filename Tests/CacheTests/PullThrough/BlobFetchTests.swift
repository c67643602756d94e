import Cache
import Glibc
import NIOCore
import OCI
import Store
import Testing

/// One blob download, driven chunk by chunk by the test: what a follower may read when, what is
/// committed, and what a failed download leaves.
@Suite struct BlobFetchTests {
    /// A chunk the store's ingest writes to its file at once (its write batch is due at 256 KiB),
    /// so each chunk released reaches the followers before the next one is.
    static let chunk = 256 << 10

    @Test func aFollowerReadsEachChunkAsItArrivesAndTheBlobIsCommittedAfterTheLast() async throws {
        try await CacheFixture.with { fixture in
            let chunks = (1...3).map { blobBytes(Self.chunk, seed: UInt8($0)) }
            let whole = chunks.flatMap { $0 }
            let digest = SHA256Hasher.digest(of: whole)
            let body = fixture.registry.holdBlob(digest, size: Int64(whole.count), in: "app/api")
            let repository = fixture.repository("app/api")
            guard case .fetching(let inFlight) = try await fixture.cache.blob(repository, digest) else {
                Issue.record("an uncached blob is fetched for its clients to follow")
                return
            }
            #expect(inFlight.size == Int64(whole.count))
            let follower = inFlight.bytes()
            let descriptor = try follower.duplicateDescriptor()
            defer { close(descriptor) }
            var segments = follower.makeAsyncIterator()
            let size = Int64(Self.chunk)

            // Until the blob is verified its last byte written is held back, so no client gets a
            // whole copy of a blob that could still fail.
            body.yield(ByteBuffer(bytes: chunks[0]))
            let first = try await segments.next()
            #expect(first == 0..<size - 1)
            #expect(try read(descriptor, 0..<size - 1) == Array(chunks[0].dropLast()))

            body.yield(ByteBuffer(bytes: chunks[1]))
            #expect(try await segments.next() == size - 1..<2 * size - 1)

            body.yield(ByteBuffer(bytes: chunks[2]))
            #expect(try await segments.next() == 2 * size - 1..<3 * size - 1)
            #expect(try fixture.cache.lookupBlob(repository, digest).isAnswered == false, "not committed before the upstream's end")

            body.finish()
            #expect(try await segments.next() == 3 * size - 1..<3 * size)
            #expect(try await segments.next() == nil)
            #expect(try read(descriptor, 0..<3 * size) == whole)

            guard case .answered(let stored) = try fixture.cache.lookupBlob(repository, digest) else {
                Issue.record("the blob is committed once its download ends")
                return
            }
            #expect(stored.size == 3 * size)
            stored.release()
            #expect(try fixture.ingestFiles() == [])
            #expect(fixture.registry.count(.blobGet) == 1)
        }
    }

    /// Found by the soak: a Range client whose range ends before the blob does got all of its range,
    /// a 206 of bytes that then failed verification. Its last byte now waits for the verification.
    @Test func aRangeFollowerGetsItsLastByteOnlyOnceTheBlobIsVerified() async throws {
        try await CacheFixture.with { fixture in
            let chunks = (1...2).map { blobBytes(Self.chunk, seed: UInt8($0)) }
            let whole = chunks.flatMap { $0 }
            let digest = SHA256Hasher.digest(of: whole)
            let body = fixture.registry.holdBlob(digest, size: Int64(whole.count), in: "app/api")
            guard case .fetching(let inFlight) = try await fixture.cache.blob(fixture.repository("app/api"), digest) else {
                Issue.record("an uncached blob is fetched for its clients to follow")
                return
            }
            var segments = inFlight.bytes(first: 10, last: 99).makeAsyncIterator()

            body.yield(ByteBuffer(bytes: chunks[0]))
            #expect(try await segments.next() == 10..<99, "all of the range but its last byte")
            body.yield(ByteBuffer(bytes: chunks[1]))
            let waiting = Task { try await segments.next() }
            await letOthersRun()
            body.finish()
            #expect(try await waiting.value == 99..<100, "the last byte once the blob is verified")
        }
    }

    @Test func aRangeFollowerOfABlobThatFailsVerificationIsCutBeforeItsLastByte() async throws {
        try await CacheFixture.with { fixture in
            let claimed = SHA256Hasher.digest(of: blobBytes(Self.chunk, seed: 1))
            let wrong = blobBytes(Self.chunk, seed: 2)
            let body = fixture.registry.holdBlob(claimed, size: Int64(wrong.count), in: "app/api")
            guard case .fetching(let inFlight) = try await fixture.cache.blob(fixture.repository("app/api"), claimed) else {
                Issue.record("an uncached blob is fetched for its clients to follow")
                return
            }
            var segments = inFlight.bytes(first: 0, last: 99).makeAsyncIterator()
            body.yield(ByteBuffer(bytes: wrong))
            #expect(try await segments.next() == 0..<99)
            body.finish()
            await #expect(throws: (any Error).self, "the range is never completed with unverified bytes") {
                _ = try await segments.next()
            }
        }
    }

    @Test func aBlobWhoseBytesDoNotMatchItsDigestFailsItsFollowersAndIsFetchedAfreshNextTime() async throws {
        try await CacheFixture.with { fixture in
            let claimed = SHA256Hasher.digest(of: blobBytes(Self.chunk, seed: 1))
            let wrong = blobBytes(Self.chunk, seed: 2)
            let body = fixture.registry.holdBlob(claimed, size: Int64(wrong.count), in: "app/api")
            let arrivals = fixture.registry.arrivals()
            let (started, starting) = AsyncStream<Void>.makeStream()
            let repository = fixture.repository("app/api")
            let cache = fixture.cache

            let failures = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        starting.yield()
                        do {
                            _ = try await readAll(try await cache.blob(repository, claimed))
                            return false
                        } catch {
                            return true
                        }
                    }
                }
                await waitFor(4, in: started)
                await waitFor(1, in: arrivals)
                await letOthersRun()
                body.yield(ByteBuffer(bytes: wrong))
                body.finish()
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }

            #expect(failures == 4)
            #expect(fixture.registry.count(.blobGet) == 1)
            let isCommitted = try cache.lookupBlob(repository, claimed).isAnswered
            let record = try fixture.store.blob(claimed)
            let ingestFiles = try fixture.ingestFiles()
            #expect(!isCommitted)
            #expect(record == nil)
            #expect(ingestFiles == [])

            fixture.registry.addBlob(wrong, in: "app/api", as: claimed)
            await #expect(throws: (any Error).self) {
                _ = try await readAll(try await cache.blob(repository, claimed))
            }
            #expect(fixture.registry.count(.blobGet) == 2)
        }
    }
}
