import OCI

/// Pinned manifests, and everything they reference, are never evicted.
extension ContentStore {
    /// Pins the cached manifest `digest` under the name it was asked for as (`repo:tag` or
    /// `repo@digest`, for people). Throws `.notCached` when the manifest is not in the cache.
    public func pin(_ digest: Digest, as reference: String) async throws(StoreError) {
        let result = try await writer.write { [databases] txn throws(LMDBError) -> Bool in
            guard try txn.get(digest.indexKey, in: databases.manifests) != nil else { return false }
            try txn.put(Array(reference.utf8), for: digest.indexKey, in: databases.pins)
            return true
        }
        guard result else { throw .notCached("manifest \(digest)") }
    }

    /// Removes a pin; returns whether there was one.
    @discardableResult
    public func unpin(_ digest: Digest) async throws(StoreError) -> Bool {
        try await writer.write { [databases] txn throws(LMDBError) in
            try txn.delete(digest.indexKey, in: databases.pins)
        }
    }

    /// Every pin: the manifest's digest and the reference it was pinned as.
    public func pins() throws(StoreError) -> [(digest: Digest, reference: String)] {
        try read { txn throws(LMDBError) in
            var pins: [(digest: Digest, reference: String)] = []
            try txn.forEach(in: databases.pins) { key, value in
                if let digest = Digest(String(decoding: key, as: UTF8.self)) {
                    pins.append((digest, String(decoding: value, as: UTF8.self)))
                }
                return true
            }
            return pins
        }
    }

    /// What pinning `digest` protects that is cached now: items and bytes.
    public func pinnedFootprint(of digest: Digest) throws(StoreError) -> (items: Int, bytes: Int64) {
        try read { txn throws(LMDBError) in
            try footprint(of: Eviction.closure(of: [digest], databases, txn), txn)
        }
    }

    /// How many of `content` are cached now, and their bytes.
    func footprint(of content: Set<ContentKey>, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> (items: Int, bytes: Int64) {
        let index = AccessIndex(databases: databases)
        var items = 0
        var bytes: Int64 = 0
        for key in content {
            guard let entry = try index.entry(key, txn) else { continue }
            items += 1
            bytes += entry.size
        }
        return (items, bytes)
    }
}
