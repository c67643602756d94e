/// Named values in the `meta` database. Integers are 8 bytes little-endian.
enum Meta: String {
    /// The record layout version; a store written by another layout is refused, not misread.
    case schema
    /// Committed bytes (blobs and manifests), kept with every change so start-up never scans.
    case bytesUsed = "bytes-used"
    /// The next access sequence number.
    case accessClock = "access-clock"
    /// 1 while a server has the store open; still 1 at start-up means it crashed.
    case serving
    case hits
    case misses
    /// Misses streamed to a client without being stored because no room could be made.
    case uncachedForSpace = "uncached-for-space"
    case evictions

    /// 3 added `links` and `repositories` (a store of layout 2 is upgraded in place: see `ContentStore.upgrade`).
    static let currentSchema: Int64 = 3

    var key: [UInt8] { Array(rawValue.utf8) }
}

extension LMDBTransaction {
    func integer(_ name: Meta, in databases: IndexDatabases) throws(LMDBError) -> Int64 {
        try withValue(name.key, in: databases.meta) { raw -> Int64 in
            var r = RecordReader(raw)
            return r.int64() ?? 0
        } ?? 0
    }

    func setInteger(_ value: Int64, _ name: Meta, in databases: IndexDatabases) throws(LMDBError) {
        var w = RecordWriter()
        w.int64(value)
        try put(w.bytes, for: name.key, in: databases.meta)
    }

    func addInteger(_ delta: Int64, _ name: Meta, in databases: IndexDatabases) throws(LMDBError) {
        guard delta != 0 else { return }
        try setInteger(try integer(name, in: databases) + delta, name, in: databases)
    }
}
