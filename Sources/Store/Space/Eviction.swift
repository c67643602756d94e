import OCI

/// One eviction pass inside a write transaction: least-recently-accessed content first, skipping
/// what is protected (pinned, or a blob being sent), until the committed bytes reach `target`.
///
/// The index entries go in this transaction; the caller unlinks the returned blob files only
/// after it commits (invariant 1: the index never names a missing file), and before any other
/// write can rename a re-fetched copy into the same path (both happen on the index writer).
struct Eviction {
    let databases: IndexDatabases

    struct Outcome {
        var evicted: [ContentKey] = []
        var freedBytes: Int64 = 0
        var files: [Digest] { evicted.compactMap { $0.kind == .blob ? $0.digest : nil } }
    }

    func run(down target: Int64, sparing leased: Set<Digest>, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Outcome {
        let index = AccessIndex(databases: databases)
        let used = try index.bytesUsed(txn)
        guard used > target else { return Outcome() }
        let pinned = try pinnedContent(txn)
        var outcome = Outcome()
        var victims: [(AccessKey, Int64)] = []
        try txn.forEach(in: databases.access) { keyBytes, value in
            guard let key = AccessKey(bytes: keyBytes) else { return true }
            if pinned.contains(key.content) || (key.content.kind == .blob && leased.contains(key.content.digest)) { return true }
            let size = value.withUnsafeBytes { raw -> Int64 in
                var r = RecordReader(raw)
                return r.int64() ?? 0
            }
            victims.append((key, size))
            outcome.freedBytes += size
            return used - outcome.freedBytes > target
        }
        for (key, _) in victims {
            try index.remove(key.content, txn)
            try txn.delete(key.content.digest.indexKey, in: key.content.kind == .blob ? databases.blobs : databases.manifests)
            try removeLinks(of: key.content.digest, txn)
            outcome.evicted.append(key.content)
        }
        try txn.addInteger(Int64(victims.count), .evictions, in: databases)
        return outcome
    }

    /// Every pinned manifest and, transitively, the manifests and blobs it references (those that
    /// are cached now or arrive later).
    func pinnedContent(_ txn: borrowing LMDBTransaction) throws(LMDBError) -> Set<ContentKey> {
        var roots: [Digest] = []
        try txn.forEach(in: databases.pins) { key, _ in
            if let digest = Digest(String(decoding: key, as: UTF8.self)) { roots.append(digest) }
            return true
        }
        return try Self.closure(of: roots, databases, txn)
    }

    /// The manifests reachable from `roots` through cached manifests, and their blobs.
    static func closure(of roots: [Digest], _ databases: IndexDatabases, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Set<ContentKey> {
        var result = Set<ContentKey>()
        var queue = roots
        while let digest = queue.popLast() {
            guard result.insert(ContentKey(.manifest, digest)).inserted else { continue }
            let references = try txn.withValue(digest.indexKey, in: databases.manifests) { raw in
                StoredManifest.decode(raw, digest: digest).flatMap { ManifestReferences.parse($0.bytes) }
            } ?? nil
            guard let references else { continue }
            queue += references.manifests
            for blob in references.blobs { result.insert(ContentKey(.blob, blob)) }
        }
        return result
    }
}
