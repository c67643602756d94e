import Logging
import OCI
import Store

/// The store alone, in registry terms: content linked to the repository (invariant 5), whatever
/// its age (a tag's freshness is the cache's question). It holds no upstream, so it asks none by
/// construction; a miss is a 404. Its synchronous reads are one store read each: the cache's
/// lookups, which the server runs on its event loop, are made of them.
public struct LocalContent: RegistryContent {
    let store: ContentStore
    let logger: Logger

    public init(store: ContentStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    // MARK: RegistryContent

    public func manifest(_ repository: CacheRepository, _ reference: ManifestReference) throws(RegistryError) -> ManifestResult {
        switch reference {
        case .digest(let digest):
            guard case .found(let manifest) = try manifest(digest, in: repository.key) else { throw Self.manifestUnknown(repository, reference) }
            return ManifestResult(manifest)
        case .tag(let tag):
            guard let (_, manifest) = try taggedManifest(TagKey(repository.key, tag: tag)) else { throw Self.manifestUnknown(repository, reference) }
            return ManifestResult(manifest)
        }
    }

    public func blobSize(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> Int64? {
        guard case .found(let record) = try blobRecord(digest, in: repository.key) else { throw Self.blobUnknown(repository, digest) }
        return record.size
    }

    public func blob(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> BlobResult {
        guard case .found(let opened) = try openBlob(digest, in: repository.key) else { throw Self.blobUnknown(repository, digest) }
        return .stored(StoredBlob(opened: opened))
    }

    // MARK: Reads: one store read each, synchronous

    /// The manifest by digest, and whether it is linked to the repository.
    func manifest(_ digest: Digest, in repository: RepositoryKey) throws(RegistryError) -> RepositoryLookup<StoredManifest> {
        try read { () throws(StoreError) in try store.manifest(digest, in: repository) }
    }

    /// The manifest a tag names, with the tag's record (when the upstream last confirmed it).
    func taggedManifest(_ key: TagKey) throws(RegistryError) -> (TagRecord, StoredManifest)? {
        try read { () throws(StoreError) in try store.taggedManifest(key) }
    }

    /// The tag's record alone.
    func tag(_ key: TagKey) throws(RegistryError) -> TagRecord? {
        try read { () throws(StoreError) in try store.tag(key) }
    }

    /// The manifest by digest, linked to any repository: what a `HEAD` upstream can confirm.
    func anyManifest(_ digest: Digest) throws(RegistryError) -> StoredManifest? {
        try read { () throws(StoreError) in try store.manifest(digest) }
    }

    /// A committed blob's record, and whether it is linked to the repository.
    func blobRecord(_ digest: Digest, in repository: RepositoryKey) throws(RegistryError) -> RepositoryLookup<BlobRecord> {
        try read { () throws(StoreError) in try store.blob(digest, in: repository) }
    }

    /// A committed blob opened for sending (leased against eviction), when it is linked here.
    func openBlob(_ digest: Digest, in repository: RepositoryKey) throws(RegistryError) -> RepositoryLookup<OpenedBlob> {
        try read { () throws(StoreError) in try store.openBlob(digest, in: repository) }
    }

    func isLinked(_ digest: Digest, to repository: RepositoryKey) throws(RegistryError) -> Bool {
        try read { () throws(StoreError) in try store.isLinked(digest, to: repository) }
    }

    private func read<R>(_ body: () throws(StoreError) -> R) throws(RegistryError) -> R {
        do { return try body() } catch { throw logged(error) }
    }

    /// A store failure as a client sees it (a 500), logged once here.
    func logged(_ error: StoreError) -> RegistryError {
        logger.error("store failure", metadata: ["error": "\(error)"])
        return error.registryError
    }

    private static func manifestUnknown(_ repository: CacheRepository, _ reference: ManifestReference) -> RegistryError {
        RegistryError(.manifestUnknown, "manifest \(reference) of \(repository.name) is not cached", status: 404)
    }

    private static func blobUnknown(_ repository: CacheRepository, _ digest: Digest) -> RegistryError {
        RegistryError(.blobUnknown, "blob \(digest) of \(repository.name) is not cached", status: 404)
    }
}
