import CLMDB

/// A live transaction, valid only inside the closure that received it.
public struct LMDBTransaction: ~Copyable {
    let handle: OpaquePointer

    /// The value for `key`, copied out of the map (LMDB's pointer dies with the transaction).
    public func get(_ key: [UInt8], in db: LMDBDatabase) throws(LMDBError) -> [UInt8]? {
        try withValue(key, in: db) { Array($0) }
    }

    /// Reads the value for `key` in place, without copying it out of the map.
    public func withValue<R>(_ key: [UInt8], in db: LMDBDatabase, _ body: (UnsafeRawBufferPointer) -> R) throws(LMDBError) -> R? {
        var data = MDB_val()
        let rc = key.withUnsafeBytes { k in
            var keyVal = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_get(handle, db.dbi, &keyVal, &data)
        }
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get")
        return body(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size))
    }

    public func put(_ value: [UInt8], for key: [UInt8], in db: LMDBDatabase) throws(LMDBError) {
        let rc = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var keyVal = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var dataVal = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_put(handle, db.dbi, &keyVal, &dataVal, 0)
            }
        }
        try check(rc, "mdb_put")
    }

    /// Deletes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ key: [UInt8], in db: LMDBDatabase) throws(LMDBError) -> Bool {
        let rc = key.withUnsafeBytes { k in
            var keyVal = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_del(handle, db.dbi, &keyVal, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del")
        return true
    }

    /// The number of entries in `db`.
    public func count(_ db: LMDBDatabase) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(handle, db.dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// Deletes every entry of `db` (the database itself stays).
    public func removeAll(in db: LMDBDatabase) throws(LMDBError) {
        try check(mdb_drop(handle, db.dbi, 0), "mdb_drop")
    }

    /// Visits entries in key order from the first key ≥ `start` (or the first key) until `body` returns false.
    public func forEach(in db: LMDBDatabase, from start: [UInt8]? = nil, _ body: ([UInt8], [UInt8]) -> Bool) throws(LMDBError) {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, db.dbi, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var data = MDB_val()
        var rc: Int32
        if let start {
            rc = start.withUnsafeBytes { s in
                key = MDB_val(mv_size: s.count, mv_data: UnsafeMutableRawPointer(mutating: s.baseAddress))
                return mdb_cursor_get(cursor, &key, &data, MDB_SET_RANGE)
            }
        } else {
            rc = mdb_cursor_get(cursor, &key, &data, MDB_FIRST)
        }
        while rc == MDB_SUCCESS {
            let k = Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size))
            let v = Array(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size))
            guard body(k, v) else { return }
            rc = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get") }
    }
}
