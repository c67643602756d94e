import Glibc
import OCI

/// Checking the index against the blob files, and repairing what a crash (or a person) left.
///
/// A crash can leave: a file renamed into `blobs/` whose record was not committed (an orphan
/// that verifies: adopted), an evicted blob's file not yet unlinked (the same), partial downloads
/// in `ingest/` (swept). It cannot leave a record without its file (invariant 1); if one is found
/// anyway, the record is dropped so the blob is fetched again.
extension ContentStore {
    /// Compares records, budget entries, access order and byte total with each other and with the
    /// files. `hashing` reads every blob to check its digest; without it only sizes are compared.
    public func check(hashing: Bool) throws(StoreError) -> ConsistencyReport {
        var report = ConsistencyReport()
        report.hashed = hashing
        let snapshot = try read { txn throws(LMDBError) in try IndexSnapshot(databases, txn) }
        report.blobsChecked = snapshot.blobs.count
        report.manifestsChecked = snapshot.manifestSizes.count
        report.indexProblems = snapshot.problems()
        for (digest, record) in snapshot.blobs.sorted(by: { $0.key < $1.key }) {
            let path = layout.blobPath(for: digest)
            guard let size = POSIX.fileSize(path) else {
                report.missing.append(digest)
                continue
            }
            if size != record.size {
                report.corrupt.append(digest)
            } else if hashing, (try? SHA256Hasher.digest(ofFileAt: path))?.digest != digest {
                report.corrupt.append(digest)
            }
        }
        report.orphans = try blobFiles().filter { $0.digest.map { snapshot.blobs[$0] == nil } ?? true }.map(\.path)
        return report
    }

    /// Fixes what `report` found: adopts orphans whose content matches their name (at the least
    /// recent end of the access order), removes other orphans and corrupt files, drops records
    /// without a good file, rebuilds the budget entries, and evicts if that leaves the store over
    /// budget. Only the lock holder (server or maintenance) may repair.
    public func repair(_ report: ConsistencyReport) throws(StoreError) -> ConsistencyReport {
        precondition(lock != nil, "repair needs the store lock")
        // No server runs (the store lock), but a command beside the repair may write: its units wait.
        return try writerLock.holding { () throws(StoreError) -> ConsistencyReport in try repairHoldingWriterLock(report) }
    }

    private func repairHoldingWriterLock(_ report: ConsistencyReport) throws(StoreError) -> ConsistencyReport {
        var result = report
        var adopt: [(Digest, Int64)] = []
        for path in report.orphans {
            let name = BlobFile(path: path, layout: layout)
            if let digest = name.digest, digest.isSHA256, let (actual, size) = try? SHA256Hasher.digest(ofFileAt: path), actual == digest {
                adopt.append((digest, size))
            } else {
                POSIX.unlink(path)
                result.removed += 1
            }
        }
        for digest in report.corrupt {
            POSIX.unlink(layout.blobPath(for: digest))
            result.removed += 1
        }
        result.adopted = adopt.count
        let dropped = report.corrupt + report.missing
        let evicted = try transaction(environment) { [adopt] txn throws(LMDBError) -> [Digest] in
            for digest in dropped { try txn.delete(digest.indexKey, in: databases.blobs) }
            let storedAt = now()
            for (digest, size) in adopt {
                try txn.put(BlobRecord(size: size, storedAt: storedAt).encoded(), for: digest.indexKey, in: databases.blobs)
            }
            try rebuildEntries(txn)
            guard let budget, try txn.integer(.bytesUsed, in: databases) > budget.maxBytes else { return [] }
            return try Eviction(databases: databases).run(down: budget.lowWatermark, sparing: [], txn).files
        }
        unlinkEvicted(evicted)
        return result
    }

    /// The start-up check after a crash: sizes only, then a repair if anything is off.
    func reconcile() throws(StoreError) -> ConsistencyReport {
        let report = try check(hashing: false)
        return report.isClean ? report : try repair(report)
    }

    /// Recreates every budget entry and access key from the records, keeping each one's place in
    /// the access order when it had one, and recomputes the byte total.
    private func rebuildEntries(_ txn: borrowing LMDBTransaction) throws(LMDBError) {
        let snapshot = try IndexSnapshot(databases, txn)
        try txn.removeAll(in: databases.entries)
        try txn.removeAll(in: databases.access)
        try txn.setInteger(0, .bytesUsed, in: databases)
        let index = AccessIndex(databases: databases)
        let contents = snapshot.blobs.map { (ContentKey(.blob, $0.key), $0.value.size) }
            + snapshot.manifestSizes.map { (ContentKey(.manifest, $0.key), $0.value) }
        for (key, size) in contents {
            let previous = snapshot.entries[key]
            try index.add(key, size: size, sequence: previous?.sequence ?? 0, at: previous?.accessedAt ?? now(), txn)
        }
    }

    /// Every file under `blobs/<algorithm>/<xx>/`.
    private func blobFiles() throws(StoreError) -> [BlobFile] {
        var files: [BlobFile] = []
        for algorithm in try POSIX.directoryEntries(layout.blobsDirectory) {
            let algorithmPath = "\(layout.blobsDirectory)/\(algorithm)"
            for prefix in (try? POSIX.directoryEntries(algorithmPath)) ?? [] {
                let prefixPath = "\(algorithmPath)/\(prefix)"
                for name in (try? POSIX.directoryEntries(prefixPath)) ?? [] {
                    files.append(BlobFile(path: "\(prefixPath)/\(name)", layout: layout))
                }
            }
        }
        return files
    }
}

/// A file under `blobs/`, and the digest its path names if it is a well-formed blob path.
struct BlobFile {
    let path: String
    let digest: Digest?

    init(path: String, layout: StorageLayout) {
        self.path = path
        let parts = path.dropFirst(layout.blobsDirectory.count).split(separator: "/")
        if parts.count == 3, let digest = Digest("\(parts[0]):\(parts[2])"), digest.encoded.hasPrefix(parts[1]), parts[1].count == 2,
           layout.blobPath(for: digest) == path {
            self.digest = digest
        } else {
            self.digest = nil
        }
    }
}

/// The index's records and budget bookkeeping, read in one transaction, for checking.
struct IndexSnapshot {
    var blobs: [Digest: BlobRecord] = [:]
    var manifestSizes: [Digest: Int64] = [:]
    var entries: [ContentKey: EntryRecord] = [:]
    var accessKeys: [ContentKey: [UInt64]] = [:]
    var bytesUsed: Int64 = 0

    init(_ databases: IndexDatabases, _ txn: borrowing LMDBTransaction) throws(LMDBError) {
        var blobs: [Digest: BlobRecord] = [:]
        var manifestSizes: [Digest: Int64] = [:]
        var entries: [ContentKey: EntryRecord] = [:]
        var accessKeys: [ContentKey: [UInt64]] = [:]
        try txn.forEach(in: databases.blobs) { key, value in
            if let digest = Digest(String(decoding: key, as: UTF8.self)), let record = value.withUnsafeBytes({ BlobRecord.decode($0) }) {
                blobs[digest] = record
            }
            return true
        }
        try txn.forEach(in: databases.manifests) { key, value in
            if let digest = Digest(String(decoding: key, as: UTF8.self)),
               let manifest = value.withUnsafeBytes({ StoredManifest.decode($0, digest: digest) }) {
                manifestSizes[digest] = Int64(manifest.size)
            }
            return true
        }
        try txn.forEach(in: databases.entries) { key, value in
            if let content = ContentKey(bytes: key), let record = value.withUnsafeBytes({ EntryRecord.decode($0) }) {
                entries[content] = record
            }
            return true
        }
        try txn.forEach(in: databases.access) { key, _ in
            if let access = AccessKey(bytes: key) { accessKeys[access.content, default: []].append(access.sequence) }
            return true
        }
        self.blobs = blobs
        self.manifestSizes = manifestSizes
        self.entries = entries
        self.accessKeys = accessKeys
        self.bytesUsed = try txn.integer(.bytesUsed, in: databases)
    }

    /// Every disagreement between records, entries, access keys and the byte total.
    func problems() -> [String] {
        var problems: [String] = []
        let contents = blobs.mapValues(\.size).map { (ContentKey(.blob, $0.key), $0.value) }
            + manifestSizes.map { (ContentKey(.manifest, $0.key), $0.value) }
        var recorded = Set<ContentKey>()
        for (key, size) in contents {
            recorded.insert(key)
            guard let entry = entries[key] else {
                problems.append("\(key) has no budget entry")
                continue
            }
            if entry.size != size { problems.append("\(key) is \(size) bytes but its budget entry says \(entry.size)") }
            if accessKeys[key] != [entry.sequence] { problems.append("\(key) is not in the access order exactly once at its place") }
        }
        for key in entries.keys where !recorded.contains(key) {
            problems.append("\(key) has a budget entry but no record")
        }
        for key in accessKeys.keys where entries[key] == nil {
            problems.append("\(key) is in the access order but has no budget entry")
        }
        let total = entries.values.reduce(Int64(0)) { $0 + $1.size }
        if total != bytesUsed { problems.append("bytes used is recorded as \(bytesUsed) but the entries add up to \(total)") }
        return problems.sorted()
    }
}
