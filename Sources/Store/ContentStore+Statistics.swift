import OCI

/// What `stowage stats` reports, from one read transaction (no scan of the blob files).
public struct StoreStatistics: Sendable, Equatable {
    public var repositories = 0
    public var tags = 0
    public var manifests = 0
    public var blobs = 0
    public var pins = 0
    public var bytesUsed: Int64 = 0
    /// Bytes of the pinned manifests and everything they reference that is cached now: never evicted.
    public var pinnedBytes: Int64 = 0
    /// Seconds since the epoch of the least recent access still cached.
    public var oldestAccess: Int64?
    public var hits: Int64 = 0
    public var misses: Int64 = 0
    public var uncachedForSpace: Int64 = 0
    public var evictions: Int64 = 0
}

/// A tag as the cache knows it (`stowage ls`).
public struct CachedTag: Sendable, Equatable {
    public let upstream: String
    public let repository: String
    public let tag: String
    public let record: TagRecord
    /// Whether the manifest it points at is cached (it may have been evicted).
    public let manifestCached: Bool
}

extension ContentStore {
    public func statistics() throws(StoreError) -> StoreStatistics {
        try read { txn throws(LMDBError) in
            var stats = StoreStatistics()
            var repositories = Set<[UInt8]>()
            try txn.forEach(in: databases.tags) { key, _ in
                repositories.insert(Array(key[..<(key.lastIndex(of: UInt8(ascii: ":")) ?? key.endIndex)]))
                return true
            }
            stats.repositories = repositories.count
            stats.tags = try txn.count(databases.tags)
            stats.manifests = try txn.count(databases.manifests)
            stats.blobs = try txn.count(databases.blobs)
            stats.pins = try txn.count(databases.pins)
            stats.bytesUsed = try txn.integer(.bytesUsed, in: databases)
            if stats.pins > 0 { stats.pinnedBytes = try footprint(of: Eviction(databases: databases).pinnedContent(txn), txn).bytes }
            stats.hits = try txn.integer(.hits, in: databases)
            stats.misses = try txn.integer(.misses, in: databases)
            stats.uncachedForSpace = try txn.integer(.uncachedForSpace, in: databases)
            stats.evictions = try txn.integer(.evictions, in: databases)
            var oldest: ContentKey?
            try txn.forEach(in: databases.access) { key, _ in
                oldest = AccessKey(bytes: key)?.content
                return false
            }
            if let oldest { stats.oldestAccess = try AccessIndex(databases: databases).entry(oldest, txn)?.accessedAt }
            return stats
        }
    }

    /// Every cached tag, in key order (by upstream, then repository, then tag).
    public func cachedTags() throws(StoreError) -> [CachedTag] {
        try read { txn throws(LMDBError) in
            var found: [(String, String, String, TagRecord)] = []
            try txn.forEach(in: databases.tags) { key, value in
                let text = String(decoding: key, as: UTF8.self)
                guard let nul = text.firstIndex(of: "\u{0}"), let colon = text.lastIndex(of: ":"),
                      let record = value.withUnsafeBytes({ TagRecord.decode($0) }) else { return true }
                found.append((String(text[..<nul]), String(text[text.index(after: nul)..<colon]), String(text[text.index(after: colon)...]), record))
                return true
            }
            return try found.map { upstream, repository, tag, record throws(LMDBError) in
                let cached = try txn.get(record.digest.indexKey, in: databases.manifests) != nil
                return CachedTag(upstream: upstream, repository: repository, tag: tag, record: record, manifestCached: cached)
            }
        }
    }
}
