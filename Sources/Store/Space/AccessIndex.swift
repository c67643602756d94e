/// The budget bookkeeping inside one write transaction: every manifest and blob has an entry
/// (size, place in the access order) and a key in the `access` database, and `Meta.bytesUsed`
/// is their total. These three change together or not at all.
struct AccessIndex {
    let databases: IndexDatabases

    func entry(_ key: ContentKey, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> EntryRecord? {
        try txn.withValue(key.bytes, in: databases.entries) { EntryRecord.decode($0) } ?? nil
    }

    func bytesUsed(_ txn: borrowing LMDBTransaction) throws(LMDBError) -> Int64 {
        try txn.integer(.bytesUsed, in: databases)
    }

    /// Adds content to the budget at the most recent end of the access order. Returns false (and
    /// changes nothing) when it is already there.
    @discardableResult
    func add(_ key: ContentKey, size: Int64, sequence: UInt64, at time: Int64, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Bool {
        guard try entry(key, txn) == nil else { return false }
        let record = EntryRecord(sequence: sequence, accessedAt: time, size: size)
        try txn.put(record.encoded(), for: key.bytes, in: databases.entries)
        try txn.put(sizeValue(size), for: AccessKey(sequence: sequence, content: key).bytes, in: databases.access)
        try txn.addInteger(size, .bytesUsed, in: databases)
        return true
    }

    /// Removes content from the budget; returns the bytes it took, or nil if it had no entry.
    @discardableResult
    func remove(_ key: ContentKey, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> Int64? {
        guard let record = try entry(key, txn) else { return nil }
        try txn.delete(AccessKey(sequence: record.sequence, content: key).bytes, in: databases.access)
        try txn.delete(key.bytes, in: databases.entries)
        try txn.addInteger(-record.size, .bytesUsed, in: databases)
        return record.size
    }

    /// Moves content to `sequence` in the access order, unless it is gone or already more recent
    /// (an access noted before an eviction and a re-fetch must not make the new copy look older).
    func touch(_ key: ContentKey, sequence: UInt64, at time: Int64, _ txn: borrowing LMDBTransaction) throws(LMDBError) {
        guard var record = try entry(key, txn), record.sequence < sequence else { return }
        try txn.delete(AccessKey(sequence: record.sequence, content: key).bytes, in: databases.access)
        record.sequence = sequence
        record.accessedAt = time
        try txn.put(record.encoded(), for: key.bytes, in: databases.entries)
        try txn.put(sizeValue(record.size), for: AccessKey(sequence: sequence, content: key).bytes, in: databases.access)
    }

    func sizeValue(_ size: Int64) -> [UInt8] {
        var w = RecordWriter()
        w.int64(size)
        return w.bytes
    }
}
