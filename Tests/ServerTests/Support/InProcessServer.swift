import AsyncHTTPClient
import Cache
import Foundation
import Logging
import NIOCore
import NIOPosix
import OCI
import Server
import Store
import Upstream

/// The real server, in this process, on a free loopback port: a store in a fresh temporary
/// directory and no upstream (every miss is a 404), so each test seeds exactly what it serves.
final class InProcessServer: Sendable {
    let store: ContentStore
    let health: ServerHealth
    let port: Int
    let root: String
    private let serving: Task<Void, any Error>

    static let logger = Logger(label: "server-tests")

    private init(store: ContentStore, health: ServerHealth, port: Int, root: String, serving: Task<Void, any Error>) {
        self.store = store
        self.health = health
        self.port = port
        self.root = root
        self.serving = serving
    }

    static func start(limits: ConnectionLimits = ConnectionLimits(maxConnections: 64), minimumFreeBytes: Int64 = 0) async throws -> InProcessServer {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-server-\(UUID().uuidString)").path
        let store = try ContentStore(root: root, budget: nil, role: .server, logger: logger)
        let cache = PullThroughCache(store: store, upstreams: [.none(registry: RegistryClient(httpClient: HTTPClient.shared, settings: .none, logger: logger))], logger: logger)
        let health = ServerHealth(storagePath: root, minimumFreeBytes: minimumFreeBytes)
        health.record(ServerHealth.DiskSample.of(root))
        let server = RegistryServer(cache: cache, health: health, group: MultiThreadedEventLoopGroup.singleton, limits: limits, logger: logger)
        let bound = AsyncStream<Int>.makeStream()
        let serving = Task {
            try await server.run(host: "127.0.0.1", port: 0) { address in
                bound.continuation.yield(address.port ?? 0)
                bound.continuation.finish()
            }
        }
        var iterator = bound.stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ServerTestError("the server did not bind") }
        return InProcessServer(store: store, health: health, port: port, root: root, serving: serving)
    }

    /// Stops the server (as SIGTERM does) and waits until it has returned.
    func stop() async {
        serving.cancel()
        _ = try? await serving.value
        await store.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The stand-in upstream's repository `name`, as the store keys it.
    static func repository(_ name: String) -> RepositoryKey {
        RepositoryKey(upstream: "local", repository: RepositoryName(name)!)
    }

    /// Stores `manifest` under `name:tag`.
    func put(_ manifest: StoredManifest, in name: String, tag: String) async throws {
        _ = try await store.putManifest(manifest, linkedTo: Self.repository(name), tag: TagKey(Self.repository(name), tag: Tag(tag)!))
    }

    /// Stores `bytes` as a blob linked to `name`; returns its digest.
    @discardableResult
    func putBlob(_ bytes: [UInt8], in name: String) async throws -> Digest {
        let digest = SHA256Hasher.digest(of: bytes)
        guard let ingest = try await store.beginIngest(of: digest, expectedSize: Int64(bytes.count)) else { throw ServerTestError("no room") }
        try bytes.withUnsafeBytes { try ingest.append($0) }
        _ = try await store.commit(ingest, linkedTo: Self.repository(name))
        return digest
    }
}

struct ServerTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An OCI image manifest listing `layers`, as bytes and the record the store keeps.
func imageManifest(layers: [Digest]) -> StoredManifest {
    let entries = layers.map { #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#($0)","size":1}"# }.joined(separator: ",")
    let bytes = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[\#(entries)]}"#.utf8)
    return StoredManifest(digest: SHA256Hasher.digest(of: bytes), mediaType: ManifestMediaType.ociManifest, bytes: bytes)
}
