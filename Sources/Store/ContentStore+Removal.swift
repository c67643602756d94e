import OCI

/// What `stowage rm` removes from one repository.
public enum Removal: Sendable, Equatable {
    /// A tag. Its manifest leaves the repository too, unless another of its tags points at it.
    case tag(TagKey)
    /// A manifest, by digest, with every tag of the repository that points at it.
    case manifest(Digest, in: RepositoryKey)
    /// Every tag and everything linked to the repository.
    case repository(RepositoryKey)

    var repository: RepositoryKey {
        switch self {
        case .tag(let tag): tag.repositoryKey
        case .manifest(_, let repository), .repository(let repository): repository
        }
    }
}

/// What a removal did.
public struct RemovalReport: Sendable, Equatable {
    /// The tags removed, as `repository:tag`.
    public var tags: [String] = []
    /// Content the repository may no longer be served (links dropped).
    public var unlinked = 0
    /// Content deleted because no repository links it any more and no pin holds it: items and bytes.
    public var deleted = 0
    public var deletedBytes: Int64 = 0
    /// Content unlinked here but kept: another repository links it, or a pin holds it.
    public var kept = 0

    public init() {}
}

/// Removal beside a running server. A removal is one write transaction plus the unlinking of the
/// files it deleted, as one unit of the index writer: the transaction drops the tags, the links and
/// (for content nothing links any more) the records and budget entries; the files are unlinked after
/// it commits, while the writer lock is still held, so no process can rename a re-fetched copy into
/// the same path in between (invariant 1). A server sending a file as it is unlinked keeps reading
/// it; one that looks it up afterwards finds it gone and fetches it again.
extension ContentStore {
    public func remove(_ removal: Removal) async throws(StoreError) -> RemovalReport {
        try await writer.perform { [self] () throws(StoreError) -> RemovalReport in
            let (report, files) = try transaction(environment) { txn throws(LMDBError) -> Result<(RemovalReport, [Digest]), StoreError> in
                try removing(removal, txn)
            }.get()
            unlinkEvicted(files)
            return report
        }
    }

    // MARK: Inside the transaction

    private func removing(_ removal: Removal, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Result<(RemovalReport, [Digest]), StoreError> {
        let repository = removal.repository
        let tags = try tags(of: repository, txn)
        let linked = try linkedDigests(of: repository, txn)
        let pins = try pinnedDigests(txn)
        var report = RemovalReport()

        // The tags that go, and the manifests that leave the repository with them.
        let removedTags: [(name: String, digest: Digest)]
        var leaving: [Digest]
        switch removal {
        case .tag(let key):
            guard let digest = tags.first(where: { $0.name == key.tag.value })?.digest else { return .failure(.notCached("\(key)")) }
            removedTags = [(key.tag.value, digest)]
            let stillTagged = tags.contains { $0.name != key.tag.value && $0.digest == digest }
            leaving = stillTagged ? [] : [digest]
        case .manifest(let digest, _):
            removedTags = tags.filter { $0.digest == digest }
            guard !removedTags.isEmpty || linked.contains(digest) else { return .failure(.notCached("\(repository)@\(digest)")) }
            leaving = [digest]
        case .repository:
            guard !tags.isEmpty || !linked.isEmpty else { return .failure(.notCached("\(repository)")) }
            removedTags = tags
            leaving = try manifests(among: linked, txn)
        }
        if let pinned = leaving.first(where: pins.keys.contains) {
            return .failure(.pinned(pins[pinned] ?? "\(pinned)"))
        }

        // What the repository stops being served: everything the leaving manifests reach, except
        // what the manifests it keeps reach (a layer shared by two tags stays with the other).
        let dropped: Set<Digest>
        if case .repository = removal {
            dropped = Set(linked)
        } else {
            let remainingTags = tags.filter { tag in !removedTags.contains { $0.name == tag.name } }
            let leavingClosure = Set(try Eviction.closure(of: leaving, databases, txn).map(\.digest))
            let keptRoots = remainingTags.map(\.digest) + (try manifests(among: linked.filter { !leavingClosure.contains($0) }, txn))
            let kept = Set(try Eviction.closure(of: keptRoots, databases, txn).map(\.digest))
            dropped = leavingClosure.intersection(linked).subtracting(kept)
        }

        for tag in removedTags {
            _ = try txn.delete(repository.bytes + Array(":\(tag.name)".utf8), in: databases.tags)
            report.tags.append("\(repository.repository):\(tag.name)")
        }
        for digest in dropped { _ = try txn.delete(repository.linkKey(digest), in: databases.links) }
        report.unlinked = dropped.count

        // Content no repository links any more, and no pin holds, is deleted.
        let pinned = Set(try Eviction.closure(of: Array(pins.keys), databases, txn).map(\.digest))
        let index = AccessIndex(databases: databases)
        var files: [Digest] = []
        for digest in dropped.sorted(by: { $0.description < $1.description }) {
            guard !pinned.contains(digest), try !hasLinks(digest, txn) else {
                report.kept += 1
                continue
            }
            if try txn.delete(digest.indexKey, in: databases.manifests) {
                report.deletedBytes += try index.remove(ContentKey(.manifest, digest), txn) ?? 0
                report.deleted += 1
            }
            if try txn.delete(digest.indexKey, in: databases.blobs) {
                report.deletedBytes += try index.remove(ContentKey(.blob, digest), txn) ?? 0
                report.deleted += 1
                files.append(digest)
            }
        }
        // What the repository keeps follows from what it had and what went: no second read of the tables.
        if removedTags.count == tags.count, Set(linked).isSubset(of: dropped) {
            _ = try txn.delete(repository.bytes, in: databases.repositories)
        }
        return .success((report, files))
    }

    /// The repository's tags and the manifest each points at.
    private func tags(of repository: RepositoryKey, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> [(name: String, digest: Digest)] {
        let prefix = repository.bytes + [UInt8(ascii: ":")]
        var tags: [(name: String, digest: Digest)] = []
        try txn.forEach(in: databases.tags, from: prefix) { key, value in
            guard key.starts(with: prefix) else { return false }
            if let record = value.withUnsafeBytes({ TagRecord.decode($0) }) {
                tags.append((String(decoding: key.dropFirst(prefix.count), as: UTF8.self), record.digest))
            }
            return true
        }
        return tags
    }

    /// Every digest linked to the repository. Links are keyed by digest first (for eviction's sake),
    /// so this reads them all: a command's cost, never a request's.
    private func linkedDigests(of repository: RepositoryKey, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> [Digest] {
        let suffix = [UInt8(0)] + repository.bytes
        var digests: [Digest] = []
        try txn.forEach(in: databases.links) { key, _ in
            if key.count > suffix.count, key.suffix(suffix.count).elementsEqual(suffix),
               let digest = Digest(String(decoding: key.dropLast(suffix.count), as: UTF8.self)) {
                digests.append(digest)
            }
            return true
        }
        return digests
    }

    /// Those of `digests` that are cached manifests.
    private func manifests(among digests: [Digest], _ txn: borrowing LMDBTransaction) throws(LMDBError) -> [Digest] {
        var manifests: [Digest] = []
        for digest in digests where try txn.get(digest.indexKey, in: databases.manifests) != nil { manifests.append(digest) }
        return manifests
    }

    /// Every pinned manifest and the reference it was pinned as.
    private func pinnedDigests(_ txn: borrowing LMDBTransaction) throws(LMDBError) -> [Digest: String] {
        var pins: [Digest: String] = [:]
        try txn.forEach(in: databases.pins) { key, value in
            if let digest = Digest(String(decoding: key, as: UTF8.self)) { pins[digest] = String(decoding: value, as: UTF8.self) }
            return true
        }
        return pins
    }

    private func hasLinks(_ digest: Digest, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Bool {
        let prefix = RepositoryKey.linkPrefix(digest)
        var found = false
        try txn.forEach(in: databases.links, from: prefix) { key, _ in
            found = key.starts(with: prefix)
            return false
        }
        return found
    }
}
