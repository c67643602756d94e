import Glibc
import Logging
import OCI

/// The local cache: an LMDB index (manifests, tags, blob records) over content-addressed blob files.
///
/// Invariant: the index never names a missing or partial file. Blobs are written to `ingest/`,
/// verified, fsynced and renamed into `blobs/` (then the directory is fsynced) before their record
/// is committed. Reads are one short read transaction and never write.
public final class ContentStore: Sendable {
    public let layout: StorageLayout
    private let environment: LMDBEnvironment
    private let writer: IndexWriter
    private let manifests: LMDBDatabase
    private let tags: LMDBDatabase
    private let blobs: LMDBDatabase
    private let logger: Logger

    /// Opens (creating if needed) the store under `root` and sweeps leftovers of interrupted downloads.
    public init(root: String, mapSize: Int = 64 << 30, logger: Logger) throws(StoreError) {
        layout = StorageLayout(root: root)
        self.logger = logger
        try POSIX.makeDirectories(layout.indexDirectory)
        try POSIX.makeDirectories(layout.blobsDirectory)
        try POSIX.makeDirectories(layout.ingestDirectory)
        do {
            environment = try LMDBEnvironment(directory: layout.indexDirectory, mapSize: mapSize)
            manifests = try environment.database(named: "manifests")
            tags = try environment.database(named: "tags")
            blobs = try environment.database(named: "blobs")
        } catch {
            throw .index(error)
        }
        writer = IndexWriter(environment: environment)
        let swept = try sweepIngest()
        if swept > 0 { logger.notice("removed interrupted downloads", metadata: ["count": "\(swept)"]) }
    }

    // MARK: Reads (one read transaction each)

    public func manifest(_ digest: Digest) throws(StoreError) -> StoredManifest? {
        try read { txn throws(LMDBError) in
            try txn.withValue(digest.indexKey, in: manifests) { StoredManifest.decode($0, digest: digest) } ?? nil
        }
    }

    public func tag(_ key: TagKey) throws(StoreError) -> TagRecord? {
        try read { txn throws(LMDBError) in
            try txn.withValue(key.bytes, in: tags) { TagRecord.decode($0) } ?? nil
        }
    }

    /// Where a tag points and that manifest, in one read transaction (the by-tag hot path).
    public func taggedManifest(_ key: TagKey) throws(StoreError) -> (TagRecord, StoredManifest)? {
        try read { txn throws(LMDBError) in
            guard let record = try txn.withValue(key.bytes, in: tags, { TagRecord.decode($0) }) ?? nil else { return nil }
            let manifest = try txn.withValue(record.digest.indexKey, in: manifests) {
                StoredManifest.decode($0, digest: record.digest)
            } ?? nil
            return manifest.map { (record, $0) }
        }
    }

    /// The committed blob's record, if any. Its file exists (see the invariant above).
    public func blob(_ digest: Digest) throws(StoreError) -> BlobRecord? {
        try read { txn throws(LMDBError) in
            try txn.withValue(digest.indexKey, in: blobs) { BlobRecord.decode($0) } ?? nil
        }
    }

    public func blobPath(_ digest: Digest) -> String { layout.blobPath(for: digest) }

    // MARK: Writes

    /// Stores a manifest (already verified against `digest` by the caller) and optionally points a tag at it.
    public func putManifest(_ manifest: StoredManifest, tag: TagKey? = nil, checkedAt: Int64 = now()) async throws(StoreError) {
        let (manifests, tags) = (self.manifests, self.tags)
        try await writer.write { txn throws(LMDBError) in
            try txn.put(manifest.encoded(), for: manifest.digest.indexKey, in: manifests)
            if let tag {
                try txn.put(TagRecord(digest: manifest.digest, checkedAt: checkedAt).encoded(), for: tag.bytes, in: tags)
            }
        }
    }

    /// Records that the upstream confirmed `tag` still points at `digest`.
    public func touchTag(_ tag: TagKey, digest: Digest, checkedAt: Int64 = now()) async throws(StoreError) {
        let tags = self.tags
        try await writer.write { txn throws(LMDBError) in
            try txn.put(TagRecord(digest: digest, checkedAt: checkedAt).encoded(), for: tag.bytes, in: tags)
        }
    }

    /// Starts a download of `digest` into `ingest/`.
    public func beginIngest(of digest: Digest, expectedSize: Int64?) throws(StoreError) -> BlobIngest {
        try BlobIngest(digest: digest, expectedSize: expectedSize, path: layout.ingestPath(named: POSIX.randomHex(bytes: 16)))
    }

    /// Verifies the ingest (size, digest) if not yet done, makes it durable under `blobs/`, then
    /// records it. On any failure nothing is recorded and the partial file is gone.
    public func commit(_ ingest: BlobIngest) async throws(StoreError) {
        try ingest.verify()
        let (fd, source, digest, layout) = (ingest.takeDescriptor(), ingest.path, ingest.digest, self.layout)
        do {
            try await offloaded { () throws(StoreError) in
                defer { close(fd) }
                try POSIX.fsync(fd, path: source)
                let directory = layout.blobDirectory(for: digest)
                try POSIX.makeDirectories(directory)
                try POSIX.rename(source, layout.blobPath(for: digest))
                try POSIX.fsyncDirectory(directory)
            }
        } catch {
            ingest.discard()
            throw error
        }
        ingest.committed = true
        let record = BlobRecord(size: ingest.bytesWritten, storedAt: now())
        let blobs = self.blobs
        try await writer.write { txn throws(LMDBError) in
            try txn.put(record.encoded(), for: digest.indexKey, in: blobs)
        }
    }

    // MARK: Start-up

    /// Deletes everything in `ingest/`: at start-up no download is in flight, so all of it is partial.
    private func sweepIngest() throws(StoreError) -> Int {
        let names = try POSIX.directoryEntries(layout.ingestDirectory)
        for name in names { POSIX.unlink(layout.ingestPath(named: name)) }
        return names.count
    }

    private func read<R>(_ body: (borrowing LMDBTransaction) throws(LMDBError) -> R) throws(StoreError) -> R {
        do { return try environment.read(body) } catch { throw .index(error) }
    }
}

/// Seconds since the epoch.
public func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec)
}
