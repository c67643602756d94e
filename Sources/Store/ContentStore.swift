import Glibc
import Logging
import OCI

/// The local cache: an LMDB index (manifests, tags, blob records, the access order) over
/// content-addressed blob files, kept under an optional byte budget.
///
/// Invariant: the index never names a missing or partial file. Blobs are written to `ingest/`,
/// verified, fsynced and renamed into `blobs/` (then the directory is fsynced) before their record
/// is committed; eviction commits the removal before it unlinks. Reads are one short read
/// transaction and never write: accesses are noted in memory and written in batches.
/// See README.md beside this module for the states and why the order is safe.
public final class ContentStore: Sendable {
    /// Who opens the store decides what it may do at start-up.
    public enum Role: Sendable {
        /// `stowage serve`: takes the store lock, sweeps `ingest/`, and recovers after a crash.
        case server
        /// `stowage verify --repair`: takes the store lock (no server may run), sweeps `ingest/`.
        case maintenance
        /// Inspection and pinning beside a running server: no lock, no sweep.
        case reader
    }

    public let layout: StorageLayout
    public let budget: StorageBudget?
    /// Free space the store leaves on its filesystem: a download that would take the filesystem
    /// below it evicts first, or is streamed without being kept (nil: no such floor).
    public let minimumFreeBytes: Int64?
    let environment: LMDBEnvironment
    let databases: IndexDatabases
    let writer: IndexWriter
    /// Held around every unit of index-writer work, in this process and any other writing the store.
    let writerLock: WriterLock
    /// Threads for the blocking calls of downloads: creating, writing and fsyncing ingest files.
    let files: BlockingPool
    let pending: PendingAccesses
    let reservations = ReservationTable()
    let leases = BlobLeases()
    let logger: Logger
    let lock: StoreLock?

    /// Opens (creating if needed) the store under `root`. A server or maintenance opening takes the
    /// store lock and sweeps `ingest/`; a server that finds the previous server did not close the
    /// store reconciles the index with the files (see `reconcile`). `fileThreads` bounds how many
    /// downloads write or fsync at once; an fsync of a large blob can take seconds on a slow disk,
    /// so there are a few, and the other downloads keep writing meanwhile.
    public init(root: String, budget: StorageBudget? = nil, minimumFreeBytes: Int64? = nil, role: Role = .server, mapSize: Int = 64 << 30,
                fileThreads: Int = 4, logger: Logger) throws(StoreError) {
        layout = StorageLayout(root: root)
        self.budget = budget
        self.minimumFreeBytes = minimumFreeBytes
        self.logger = logger
        try POSIX.makeDirectories(layout.indexDirectory)
        try POSIX.makeDirectories(layout.blobsDirectory)
        try POSIX.makeDirectories(layout.ingestDirectory)
        lock = role == .reader ? nil : try StoreLock(path: layout.lockPath)
        do {
            environment = try LMDBEnvironment(directory: layout.indexDirectory, mapSize: mapSize)
            databases = try IndexDatabases(environment)
        } catch {
            throw .index(error)
        }
        writerLock = try WriterLock(path: layout.writerLockPath)
        writer = IndexWriter(environment: environment, lock: writerLock)
        files = BlockingPool(threads: fileThreads)
        let (clock, crashed) = try Self.checkSchema(environment, databases, claimServing: role == .server)
        pending = PendingAccesses(clock: clock)
        guard role != .reader else { return }
        let swept = try sweepIngest()
        if swept > 0 { logger.notice("removed interrupted downloads", metadata: ["count": "\(swept)"]) }
        if crashed {
            logger.notice("the previous server did not stop cleanly; reconciling the index with the blob files")
            let report = try reconcile()
            logger.notice("reconciled", metadata: report.metadata)
        }
    }

    /// Writes the batched accesses and counters, marks the store closed by a clean stop, and stops
    /// the store's threads: a download still running afterwards fails with `.closed` and keeps
    /// nothing, so nothing is written after the clean-stop mark.
    public func close() async {
        do {
            try await writer.write { [self] txn throws(LMDBError) in
                try applyPending(txn)
                if lock != nil { try txn.setInteger(0, .serving, in: databases) }
            }
        } catch {
            logger.error("could not record the clean stop", metadata: ["error": "\(error)"])
        }
        await writer.shutdown()
        await files.shutdown()
    }

    /// Checks (or, in a new store, writes) the schema; returns the access clock and whether a
    /// server had the store open and did not close it. With `claimServing` marks it open.
    private static func checkSchema(_ environment: LMDBEnvironment, _ databases: IndexDatabases, claimServing: Bool) throws(StoreError) -> (UInt64, Bool) {
        try transaction(environment) { txn throws(LMDBError) -> Result<(UInt64, Bool), StoreError> in
            let schema = try txn.integer(.schema, in: databases)
            if schema == 0 {
                let records = try txn.count(databases.manifests) + txn.count(databases.blobs) + txn.count(databases.tags)
                guard records == 0 else { return .failure(.incompatibleIndex(found: 1, expected: Meta.currentSchema)) }
                try txn.setInteger(Meta.currentSchema, .schema, in: databases)
            } else if schema == 2 {
                try upgradeFromSchema2(txn, databases)
            } else if schema != Meta.currentSchema {
                return .failure(.incompatibleIndex(found: schema, expected: Meta.currentSchema))
            }
            let crashed = try txn.integer(.serving, in: databases) != 0
            if claimServing { try txn.setInteger(1, .serving, in: databases) }
            return .success((UInt64(bitPattern: try txn.integer(.accessClock, in: databases)), crashed && claimServing))
        }.get()
    }

    /// Layout 2 had no `links`: its content is linked again as its repositories ask for it (each
    /// first request under a repository is confirmed with the upstream). Its repositories are
    /// those of its tags.
    private static func upgradeFromSchema2(_ txn: borrowing LMDBTransaction, _ databases: IndexDatabases) throws(LMDBError) {
        var repositories: [[UInt8]] = []
        try txn.forEach(in: databases.tags) { key, _ in
            if let colon = key.lastIndex(of: UInt8(ascii: ":")) { repositories.append(Array(key[..<colon])) }
            return true
        }
        for key in repositories { try txn.put([], for: key, in: databases.repositories) }
        try txn.setInteger(Meta.currentSchema, .schema, in: databases)
    }

    // MARK: Reads (one read transaction each, no writes)

    public func manifest(_ digest: Digest) throws(StoreError) -> StoredManifest? {
        try read { txn throws(LMDBError) in
            try txn.withValue(digest.indexKey, in: databases.manifests) { StoredManifest.decode($0, digest: digest) } ?? nil
        }
    }

    public func tag(_ key: TagKey) throws(StoreError) -> TagRecord? {
        try read { txn throws(LMDBError) in
            try txn.withValue(key.bytes, in: databases.tags) { TagRecord.decode($0) } ?? nil
        }
    }

    /// Where a tag points and that manifest, in one read transaction (the by-tag hot path).
    public func taggedManifest(_ key: TagKey) throws(StoreError) -> (TagRecord, StoredManifest)? {
        try read { txn throws(LMDBError) in
            guard let record = try txn.withValue(key.bytes, in: databases.tags, { TagRecord.decode($0) }) ?? nil else { return nil }
            let manifest = try txn.withValue(record.digest.indexKey, in: databases.manifests) {
                StoredManifest.decode($0, digest: record.digest)
            } ?? nil
            return manifest.map { (record, $0) }
        }
    }

    /// The committed blob's record, if any. Its file exists (see the invariant above).
    public func blob(_ digest: Digest) throws(StoreError) -> BlobRecord? {
        try read { txn throws(LMDBError) in
            try txn.withValue(digest.indexKey, in: databases.blobs) { BlobRecord.decode($0) } ?? nil
        }
    }

    /// Holds `digest` against eviction while it is sent from somewhere other than `openBlob`
    /// (a download being followed).
    public func leaseBlob(_ digest: Digest) -> BlobLease {
        BlobLease(digest: digest, leases: leases)
    }

    public func blobPath(_ digest: Digest) -> String { layout.blobPath(for: digest) }

    /// Notes a cache hit on `key` for the access order; written in the next batch.
    public func noteAccess(_ key: ContentKey) {
        pending.note(key)
        pending.count(.hit)
    }

    /// Counts a request the cache had to send upstream.
    /// A manifest or blob that was served but could not be kept.
    public func noteUncachedForSpace() {
        pending.count(.uncachedForSpace)
    }

    public func noteMiss() {
        pending.count(.miss)
    }

    func read<R>(_ body: (borrowing LMDBTransaction) throws(LMDBError) -> R) throws(StoreError) -> R {
        do { return try environment.read(body) } catch { throw .index(error) }
    }

    // MARK: Start-up

    /// Deletes everything in `ingest/`: only the lock holder runs, so none of it is in flight.
    private func sweepIngest() throws(StoreError) -> Int {
        let names = try POSIX.directoryEntries(layout.ingestDirectory)
        for name in names { POSIX.unlink(layout.ingestPath(named: name)) }
        return names.count
    }
}

/// Seconds since the epoch.
public func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec)
}
