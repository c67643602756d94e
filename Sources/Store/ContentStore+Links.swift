import Glibc
import OCI

/// Which repository may serve which content (invariant 5). Content is stored once per digest, but a
/// digest is not a capability: a repository is served a manifest or blob only once it is linked to
/// it, because its manifest listed it, it was fetched through it, or its upstream confirmed it.
extension ContentStore {
    /// A manifest by digest, as `repository` may be served it.
    public func manifest(_ digest: Digest, in repository: RepositoryKey) throws(StoreError) -> RepositoryLookup<StoredManifest> {
        try read { txn throws(LMDBError) in
            guard let manifest = try txn.withValue(digest.indexKey, in: databases.manifests, { StoredManifest.decode($0, digest: digest) }) ?? nil else {
                return .notCached
            }
            return try isLinked(digest, repository, txn) ? .found(manifest) : .notLinked
        }
    }

    /// A committed blob's record, as `repository` may be served it.
    public func blob(_ digest: Digest, in repository: RepositoryKey) throws(StoreError) -> RepositoryLookup<BlobRecord> {
        try read { txn throws(LMDBError) in
            guard let record = try txn.withValue(digest.indexKey, in: databases.blobs, { BlobRecord.decode($0) }) ?? nil else {
                return .notCached
            }
            return try isLinked(digest, repository, txn) ? .found(record) : .notLinked
        }
    }

    /// Opens a committed blob for sending to `repository`, leased so eviction leaves it alone until
    /// `release()`. Not cached also when it was evicted between the lookup and the open.
    public func openBlob(_ digest: Digest, in repository: RepositoryKey) throws(StoreError) -> RepositoryLookup<OpenedBlob> {
        let lease = leaseBlob(digest)
        let record: BlobRecord
        switch try blob(digest, in: repository) {
        case .found(let found): record = found
        case .notLinked: return .notLinked
        case .notCached: return .notCached
        }
        let fd = open(layout.blobPath(for: digest), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return .notCached }
            throw .io(operation: "open", path: layout.blobPath(for: digest), errno: errno)
        }
        return .found(OpenedBlob(size: record.size, descriptor: fd, lease: lease))
    }

    public func isLinked(_ digest: Digest, to repository: RepositoryKey) throws(StoreError) -> Bool {
        try read { txn throws(LMDBError) in try isLinked(digest, repository, txn) }
    }

    /// Links `digests` to `repository` (and records the repository for the catalog).
    public func link(_ digests: [Digest], to repository: RepositoryKey) async throws(StoreError) {
        try await writer.write { [self] txn throws(LMDBError) in try addLinks(digests, to: repository, txn) }
    }

    /// Every repository of `upstream` the cache has served, in name order (for `_catalog`).
    public func repositories(of upstream: String) throws(StoreError) -> [RepositoryName] {
        let prefix = RepositoryKey.upstreamPrefix(upstream)
        return try read { txn throws(LMDBError) in
            var names: [RepositoryName] = []
            try txn.forEach(in: databases.repositories, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                if let name = RepositoryName(String(decoding: key.dropFirst(prefix.count), as: UTF8.self)) { names.append(name) }
                return true
            }
            return names
        }
    }

    /// Every repository the cache knows, of every upstream: those it has served, and those with a
    /// tag (a store from before links had only tags). In key order.
    public func knownRepositories() throws(StoreError) -> [RepositoryKey] {
        try read { txn throws(LMDBError) in
            var keys = Set<[UInt8]>()
            try txn.forEach(in: databases.repositories) { key, _ in
                keys.insert(key)
                return true
            }
            try txn.forEach(in: databases.tags) { key, _ in
                if let colon = key.lastIndex(of: UInt8(ascii: ":")) { keys.insert(Array(key[..<colon])) }
                return true
            }
            return keys.sorted { $0.lexicographicallyPrecedes($1) }.compactMap { key in
                guard let nul = key.firstIndex(of: 0), let name = RepositoryName(String(decoding: key[(nul + 1)...], as: UTF8.self)) else { return nil }
                return RepositoryKey(upstream: String(decoding: key[..<nul], as: UTF8.self), repository: name)
            }
        }
    }

    /// The tags of `repository` the cache knows, in name order (for `tags/list` while its upstream is down).
    public func tags(in repository: RepositoryKey) throws(StoreError) -> [String] {
        let prefix = repository.bytes + [UInt8(ascii: ":")]
        return try read { txn throws(LMDBError) in
            var tags: [String] = []
            try txn.forEach(in: databases.tags, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                tags.append(String(decoding: key.dropFirst(prefix.count), as: UTF8.self))
                return true
            }
            return tags
        }
    }

    /// Turns the index back into layout 2 (no links, no repositories), so tests can open a store as
    /// an older Stowage left it.
    package func rewriteAsLayout2() async throws(StoreError) {
        try await writer.write { [databases] txn throws(LMDBError) in
            try txn.removeAll(in: databases.links)
            try txn.removeAll(in: databases.repositories)
            try txn.setInteger(2, .schema, in: databases)
        }
    }

    // MARK: Inside transactions

    func isLinked(_ digest: Digest, _ repository: RepositoryKey, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Bool {
        try txn.withValue(repository.linkKey(digest), in: databases.links) { _ in true } ?? false
    }

    func addLinks(_ digests: [Digest], to repository: RepositoryKey, _ txn: borrowing LMDBTransaction) throws(LMDBError) {
        for digest in digests { try txn.put([], for: repository.linkKey(digest), in: databases.links) }
        try txn.put([], for: repository.bytes, in: databases.repositories)
    }

    /// A manifest's own digest and everything it lists (children of an index, config, layers):
    /// what a repository that has the manifest may be served.
    public static func linkedByManifest(_ manifest: StoredManifest) -> [Digest] {
        guard let references = ManifestReferences.parse(manifest.bytes) else { return [manifest.digest] }
        return [manifest.digest] + references.manifests + references.blobs
    }
}

extension Eviction {
    /// Drops every link of an evicted digest; a repository asking for it again fetches or confirms anew.
    func removeLinks(of digest: Digest, _ txn: borrowing LMDBTransaction) throws(LMDBError) {
        let prefix = RepositoryKey.linkPrefix(digest)
        var keys: [[UInt8]] = []
        try txn.forEach(in: databases.links, from: prefix) { key, _ in
            guard key.starts(with: prefix) else { return false }
            keys.append(key)
            return true
        }
        for key in keys { try txn.delete(key, in: databases.links) }
    }
}
