import OCI
import Store

extension PullThroughCache {
    /// Records an image brought in from outside the upstreams (`stowage import`) exactly as a pull
    /// of it records it, so what an import leaves is what a pull leaves:
    /// - each blob committed linked to the image's repository (invariant 5);
    /// - every manifest stored byte-exact and linked with what it lists, the image's own last and
    ///   tagged when its reference has a tag, so no manifest is recorded before its content;
    /// - pinned under its full reference when `pin` is set.
    ///
    /// `manifests` are the image's own first, then its children, each verified against its digest;
    /// `ingests` are the verified downloads of its blobs not committed yet (a blob shared with an
    /// image recorded earlier is linked here by the manifests that list it). Throws when the cache
    /// has no room for a blob.
    public func importImage(_ target: ImageTarget, manifests: [StoredManifest], committing ingests: [BlobIngest],
                            pin: Bool) async throws(RegistryError) {
        let repository = target.key
        for ingest in ingests {
            guard try await recording({ () throws(StoreError) in try await store.commit(ingest, linkedTo: repository) }) else {
                throw RegistryError(.unknown, "no room in the cache for \(ingest.digest): raise storage.maxSize", status: 507)
            }
        }
        for child in manifests.dropFirst() {
            try await recording { () throws(StoreError) in try await store.putManifest(child, linkedTo: repository) }
        }
        let tag = target.tag.map { TagKey(repository, tag: $0) }
        try await recording { () throws(StoreError) in try await store.putManifest(manifests[0], linkedTo: repository, tag: tag) }
        if pin { try await self.pin(manifests[0].digest, as: target) }
    }

    /// Pins an image's manifest (and so everything it references) under its full reference, as
    /// `preseed --pin` and `import` do, so eviction keeps it.
    func pin(_ digest: Digest, as target: ImageTarget) async throws(RegistryError) {
        try await recording { () throws(StoreError) in try await store.pin(digest, as: target.name) }
    }

    @discardableResult
    private func recording<Value>(_ body: () async throws(StoreError) -> Value) async throws(RegistryError) -> Value {
        do { return try await body() } catch { throw error.registryError }
    }
}
