import Cache
import Foundation
import Glibc
import Logging
import NIOCore
import OCI
import Store
import Upstream

/// The real cache over a real store in a fresh temporary directory, with one `CountingRegistry`
/// as its only upstream (the default, as a single configured upstream is).
struct CacheFixture {
    let root: String
    let store: ContentStore
    let registry: CountingRegistry
    let upstream: CachedUpstream
    let cache: PullThroughCache

    /// Warnings and errors only: the tests assert behaviour, the log is for reading a failure.
    static let logger: Logger = {
        var logger = Logger(label: "cache-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` against a new fixture, then closes the store and removes its directory.
    static func with(tagTTL: Duration = .seconds(60), logger: Logger = logger, _ body: (CacheFixture) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-cache-\(UUID().uuidString)").path
        let store = try ContentStore(root: root, budget: nil, role: .server, logger: logger)
        let registry = CountingRegistry()
        let upstream = CachedUpstream(registry: registry, tagTTL: tagTTL, isDefault: true)
        let fixture = CacheFixture(root: root, store: store, registry: registry, upstream: upstream,
                                   cache: PullThroughCache(store: store, upstreams: [upstream], logger: logger))
        do {
            try await body(fixture)
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    private func close() async {
        await store.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// An image at the upstream only: `name:tag`, a manifest listing one layer of `size` bytes.
    func upstreamImage(_ name: String, tag: String, layerSize size: Int, seed: UInt8 = 1) -> (manifest: StoredManifest, layer: [UInt8], digest: Digest) {
        let layer = blobBytes(size, seed: seed)
        let digest = SHA256Hasher.digest(of: layer)
        let manifest = imageManifest(layer: digest, size: size)
        registry.add(manifest, in: name, tag: tag)
        registry.addBlob(layer, in: name)
        return (manifest, layer, digest)
    }

    /// `name` at the fixture's upstream.
    func repository(_ name: String) -> CacheRepository {
        CacheRepository(upstream: upstream, name: RepositoryName(name)!)
    }

    /// The files of downloads in flight (or left behind).
    func ingestFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: StorageLayout(root: root).ingestDirectory)
    }
}

/// An OCI image manifest listing one layer, as the store keeps it.
func imageManifest(layer: Digest, size: Int) -> StoredManifest {
    let bytes = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(layer)","size":\#(size)}]}"#.utf8)
    return StoredManifest(digest: SHA256Hasher.digest(of: bytes), mediaType: ManifestMediaType.ociManifest, bytes: bytes)
}

/// `count` bytes that differ from one blob to the next (`seed`).
func blobBytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

/// Every byte of a blob answer: a committed file, a download followed to its end, or a pass-through.
func readAll(_ result: BlobResult) async throws -> [UInt8] {
    switch result {
    case .stored(let stored):
        let descriptor = stored.takeDescriptor()
        defer {
            close(descriptor)
            stored.release()
        }
        return try read(descriptor, 0..<stored.size)
    case .fetching(let inFlight):
        let follower = inFlight.bytes()
        let descriptor = try follower.duplicateDescriptor()
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        for try await range in follower { bytes += try read(descriptor, range) }
        return bytes
    case .passThrough(let passThrough):
        var bytes: [UInt8] = []
        for try await buffer in passThrough { bytes += buffer.readableBytesView }
        return bytes
    }
}

/// Bytes `range` of the open file.
func read(_ descriptor: Int32, _ range: Range<Int64>) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: range.count)
    let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(range.lowerBound)) }
    guard count == range.count else { throw FixtureError("read \(count) of \(range.count) bytes at \(range.lowerBound)") }
    return bytes
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Lookup {
    /// Whether the store answered alone (no upstream request, no waiting).
    var isAnswered: Bool {
        if case .answered = self { true } else { false }
    }
}

extension CacheRepository {
    /// The store's key for the repository (its upstream's name and its own).
    var storeKey: RepositoryKey { RepositoryKey(upstream: upstream.name, repository: name) }
}
