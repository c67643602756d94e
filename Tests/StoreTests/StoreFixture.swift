import Foundation
import Logging
import NIOCore
import OCI
import Store
import Testing

/// A store in a fresh temporary directory, and shortcuts to put content in it.
struct StoreFixture {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-store-\(UUID().uuidString)").path
    let logger = Logger(label: "test")

    /// Opens the store. A store this test dropped a moment ago may still be finishing its last
    /// writer job (which holds it until the job returns), so a held lock is retried for a second.
    func open(budget: Int64? = nil, role: ContentStore.Role = .server) throws -> ContentStore {
        let deadline = ContinuousClock.now + .seconds(1)
        let storageBudget = budget.map { StorageBudget(maxBytes: $0) }
        while true {
            do {
                return try ContentStore(root: root, budget: storageBudget, role: role, logger: logger)
            } catch {
                guard case .locked = error, ContinuousClock.now < deadline else { throw error }
                usleep(10_000)
            }
        }
    }

    /// `size` bytes seeded by `label`, and their digest.
    static func blob(_ label: String, size: Int) -> TestBlob {
        var generator = SeededBytes(seed: label.utf8.reduce(UInt64(5381)) { ($0 << 5) &+ $0 &+ UInt64($1) })
        let bytes = (0..<size).map { _ in generator.next() }
        return TestBlob(digest: SHA256Hasher.digest(of: bytes), bytes: bytes)
    }

    /// Downloads and commits `blob` as the cache would (in 64 KiB chunks, like an upstream body);
    /// returns whether it was kept.
    @discardableResult
    static func put(_ blob: TestBlob, in store: ContentStore, linkedTo repository: RepositoryKey? = nil) async throws -> Bool {
        guard let ingest = try await store.beginIngest(of: blob.digest, expectedSize: Int64(blob.bytes.count)) else { return false }
        for start in stride(from: 0, to: blob.bytes.count, by: 64 << 10) {
            try await ingest.append(ByteBuffer(bytes: blob.bytes[start..<min(start + (64 << 10), blob.bytes.count)]))
        }
        return try await store.commit(ingest, linkedTo: repository)
    }

    static func manifest(referencing blobs: [Digest]) -> StoredManifest {
        let layers = blobs.map { #"{"mediaType":"application/octet-stream","digest":"\#($0)","size":1}"# }.joined(separator: ",")
        let bytes = Array(#"{"schemaVersion":2,"layers":[\#(layers)]}"#.utf8)
        return StoredManifest(digest: SHA256Hasher.digest(of: bytes), mediaType: ManifestMediaType.ociManifest, bytes: bytes)
    }

    func blobFileExists(_ digest: Digest) -> Bool {
        FileManager.default.fileExists(atPath: root + "/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)")
    }
}

struct TestBlob {
    let digest: Digest
    let bytes: [UInt8]
}

/// A small deterministic byte generator (xorshift), so test blobs are the same on every run.
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) {
        // splitmix64, so neighbouring seeds give unrelated streams (xorshift needs a nonzero state)
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        state = (z ^ (z >> 31)) | 1
    }
    mutating func next() -> UInt8 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}
