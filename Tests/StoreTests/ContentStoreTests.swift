import Foundation
import Logging
import NIOCore
import OCI
import Store
import Testing

@Suite struct ContentStoreTests {
    let fixture = StoreFixture()
    var root: String { fixture.root }

    func open() throws -> ContentStore { try fixture.open() }
    func begin(_ store: ContentStore, _ digest: Digest, expectedSize: Int64?) async throws -> BlobIngest {
        try #require(try await store.beginIngest(of: digest, expectedSize: expectedSize))
    }
    func ingestFiles() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: root + "/ingest") }

    @Test func aVerifiedBlobIsCommittedUnderItsDigest() async throws {
        let store = try open()
        let bytes = Array("hello, blob".utf8)
        let digest = SHA256Hasher.digest(of: bytes)
        let ingest = try await begin(store, digest, expectedSize: Int64(bytes.count))
        try await ingest.append(ByteBuffer(bytes: bytes))
        #expect(try store.blob(digest) == nil)
        try await store.commit(ingest)
        #expect(try store.blob(digest)?.size == Int64(bytes.count))
        let path = root + "/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)"
        #expect(store.blobPath(digest) == path)
        #expect(FileManager.default.contents(atPath: path) == Data(bytes))
        #expect(try ingestFiles().isEmpty)
    }

    @Test func aDigestMismatchCommitsNothingAndLeavesNoFile() async throws {
        let store = try open()
        let claimed = SHA256Hasher.digest(of: Array("expected".utf8))
        let ingest = try await begin(store, claimed, expectedSize: 8)
        try await ingest.append(ByteBuffer(string: "tampered"))
        await #expect(throws: StoreError.self) { try await store.commit(ingest) }
        #expect(try store.blob(claimed) == nil)
        #expect(!FileManager.default.fileExists(atPath: store.blobPath(claimed)))
        #expect(try ingestFiles().isEmpty)
    }

    @Test func moreBytesThanAnnouncedAreRefusedAtOnce() async throws {
        let store = try open()
        let ingest = try await begin(store, SHA256Hasher.digest(of: [1, 2]), expectedSize: 2)
        #expect(throws: StoreError.self) { try [UInt8]([1, 2, 3]).withUnsafeBytes { try ingest.append($0) } }
    }

    @Test func anAbandonedIngestLeavesNoFile() async throws {
        let store = try open()
        do {
            let ingest = try await begin(store, SHA256Hasher.digest(of: [1]), expectedSize: nil)
            try [UInt8]([1]).withUnsafeBytes { try ingest.append($0) }
            #expect(try ingestFiles().count == 1)
        }
        #expect(try ingestFiles().isEmpty)
    }

    @Test func startUpSweepsLeftoverDownloads() throws {
        do { _ = try open() }
        _ = FileManager.default.createFile(atPath: root + "/ingest/partial-from-a-crash", contents: Data([1, 2, 3]))
        _ = try open()
        #expect(try ingestFiles().isEmpty)
    }

    @Test func manifestsAreStoredByteExactWithTheirMediaType() async throws {
        let store = try open()
        let bytes = Array(#"{ "schemaVersion" : 2,  "odd":"spacing" }"#.utf8)
        let manifest = StoredManifest(digest: SHA256Hasher.digest(of: bytes), mediaType: ManifestMediaType.ociManifest, bytes: bytes)
        let tag = TagKey(upstream: "u", repository: RepositoryName("app/x")!, tag: Tag("1.0")!)
        try await store.putManifest(manifest, tag: tag, checkedAt: 42)
        #expect(try store.manifest(manifest.digest) == manifest)
        #expect(try store.tag(tag) == TagRecord(digest: manifest.digest, checkedAt: 42))
    }

    @Test func theSameTagUnderAnotherUpstreamIsAnotherTag() async throws {
        let store = try open()
        let bytes = Array("{}".utf8)
        let manifest = StoredManifest(digest: SHA256Hasher.digest(of: bytes), mediaType: ManifestMediaType.ociManifest, bytes: bytes)
        try await store.putManifest(manifest, tag: TagKey(upstream: "a", repository: RepositoryName("x")!, tag: Tag("1")!))
        #expect(try store.tag(TagKey(upstream: "b", repository: RepositoryName("x")!, tag: Tag("1")!)) == nil)
    }

    @Test func theIndexSurvivesReopening() async throws {
        let bytes = Array("persisted".utf8)
        let digest = SHA256Hasher.digest(of: bytes)
        do {
            let store = try open()
            let ingest = try await begin(store, digest, expectedSize: nil)
            try await ingest.append(ByteBuffer(bytes: bytes))
            try await store.commit(ingest)
        }
        #expect(try open().blob(digest)?.size == Int64(bytes.count))
    }
}

@Suite struct SHA256HasherTests {
    @Test func hashesTheEmptyInput() {
        #expect(SHA256Hasher.digest(of: []).description == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hashesIncrementallyLikeInOneGo() {
        let hasher = SHA256Hasher()
        hasher.update(Array("hello ".utf8))
        hasher.update(Array("world".utf8))
        #expect(hasher.finalize() == SHA256Hasher.digest(of: Array("hello world".utf8)))
        #expect(SHA256Hasher.digest(of: Array("hello world".utf8)).encoded == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
    }
}
