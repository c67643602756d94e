import Logging
import OCI

/// Writes: all of them go through the single index writer. Making room (eviction) happens inside
/// the transaction that needs the room, and evicted files are unlinked on the writer thread right
/// after that transaction commits, before any other write could rename a new copy into place.
extension ContentStore {
    /// Stores a manifest (already verified against its digest by the caller), links it and what it
    /// lists to the repository it came through, and optionally points a tag at it. Returns false
    /// when the manifest could not be kept for lack of room (the tag and links are still recorded;
    /// the manifest is fetched again when next asked for).
    @discardableResult
    public func putManifest(_ manifest: StoredManifest, linkedTo repository: RepositoryKey? = nil, tag: TagKey? = nil,
                            checkedAt: Int64 = now()) async throws(StoreError) -> Bool {
        try await writer.perform { [self] () throws(StoreError) -> Bool in
            let disk = diskRoom()
            let (stored, files) = try transaction(environment) { txn throws(LMDBError) -> (Bool, [Digest]) in
                if let tag {
                    try txn.put(TagRecord(digest: manifest.digest, checkedAt: checkedAt).encoded(), for: tag.bytes, in: databases.tags)
                    try txn.put([], for: tag.repositoryKey.bytes, in: databases.repositories)
                }
                if let repository { try addLinks(Self.linkedByManifest(manifest), to: repository, txn) }
                let key = ContentKey(.manifest, manifest.digest)
                if try txn.get(manifest.digest.indexKey, in: databases.manifests) != nil { return (true, []) }
                let room = try makeRoom(for: Int64(manifest.size), sparing: nil, disk: disk, txn)
                guard room.granted else { return (false, room.files) }
                try txn.put(manifest.encoded(), for: manifest.digest.indexKey, in: databases.manifests)
                try addEntry(key, size: Int64(manifest.size), txn)
                return (true, room.files)
            }
            unlinkEvicted(files)
            if !stored { logger.warning("no room to keep manifest", metadata: ["digest": "\(manifest.digest)"]) }
            return stored
        }
    }

    /// Records that the upstream confirmed `tag` still points at `digest`.
    public func touchTag(_ tag: TagKey, digest: Digest, checkedAt: Int64 = now()) async throws(StoreError) {
        try await writer.write { [databases] txn throws(LMDBError) in
            try txn.put(TagRecord(digest: digest, checkedAt: checkedAt).encoded(), for: tag.bytes, in: databases.tags)
        }
    }

    /// Writes the accesses and counters noted since the last flush (one transaction).
    public func flushAccesses() async throws(StoreError) {
        try await writer.write { [self] txn throws(LMDBError) in try applyPending(txn) }
    }

    /// Starts a download of `digest` into `ingest/`. With a budget or a free-space floor and a
    /// known size, room is made first (evicting if needed) and reserved; nil means no room can be
    /// made, and the caller should stream the blob without keeping it.
    public func beginIngest(of digest: Digest, expectedSize: Int64?) async throws(StoreError) -> BlobIngest? {
        var reservation: SpaceReservation?
        if budget != nil || minimumFreeBytes != nil, let expectedSize {
            reservation = try await writer.perform { [self] () throws(StoreError) -> SpaceReservation? in
                // Reserved on the writer thread: no other reservation or commit can slip in between
                // the check and the promise. Most downloads fit, and that needs only a read.
                let used = try read { txn throws(LMDBError) in try AccessIndex(databases: databases).bytesUsed(txn) }
                let disk = diskRoom()
                if fits(expectedSize, used: used, disk: disk) { return SpaceReservation(bytes: expectedSize, table: reservations) }
                let (granted, files) = try transaction(environment) { txn throws(LMDBError) in
                    let room = try makeRoom(for: expectedSize, sparing: nil, disk: disk, txn)
                    return (room.granted ? SpaceReservation(bytes: expectedSize, table: reservations) : nil, room.files)
                }
                unlinkEvicted(files)
                return granted
            }
            guard reservation != nil else {
                pending.count(.uncachedForSpace)
                return nil
            }
        }
        let path = layout.ingestPath(named: POSIX.randomHex(bytes: 16))
        return try await BlobIngest.create(digest: digest, expectedSize: expectedSize, path: path, files: files, reservation: reservation) {
            [self] bytes in await makeRoomOnFullFilesystem(for: bytes, downloading: digest)
        }
    }

    /// A write of the download of `digest` failed with ENOSPC: evicts least recently used content
    /// (blobs being sent spared) until `bytes` more fit above the free-space floor, or as far as it
    /// can. Returns whether anything was evicted, so that the write is worth trying again.
    func makeRoomOnFullFilesystem(for bytes: Int64, downloading digest: Digest) async -> Bool {
        let evicted = try? await writer.perform { [self] () throws(StoreError) -> Int in
            let disk = (POSIX.availableBytes(layout.root) ?? 0) - (minimumFreeBytes ?? 0)
            let files = try transaction(environment) { txn throws(LMDBError) in
                try makeRoom(for: bytes, sparing: digest, disk: disk, txn).files
            }
            unlinkEvicted(files)
            return files.count
        }
        logger.warning("the filesystem filled up during a download", metadata: [
            "digest": "\(digest)", "evicted": "\(evicted ?? 0)", "then": "\((evicted ?? 0) > 0 ? "writing on" : "download fails")",
        ])
        return (evicted ?? 0) > 0
    }

    /// Writes what the ingest still holds, verifies it (size, digest) if not yet done, makes it
    /// durable under `blobs/`, then records it. Returns false when it could not be kept for lack of
    /// room (nothing recorded, the file removed). On any failure nothing is recorded and the partial
    /// file is gone.
    @discardableResult
    public func commit(_ ingest: BlobIngest, linkedTo repository: RepositoryKey? = nil) async throws(StoreError) -> Bool {
        try await ingest.seal()  // flush, verify, fsync on the file threads
        let (source, digest, size, reservation) = (ingest.path, ingest.digest, ingest.bytesWritten, ingest.reservation)
        ingest.committed = true  // From here the writer owns the file: it is renamed or removed below.
        let outcome = try await writer.perform { [self] () throws(StoreError) -> CommitOutcome in
            defer {
                reservation?.release()
                POSIX.unlink(source)  // Gone already once renamed; otherwise the download is dropped.
            }
            let (decision, files) = try transaction(environment) { txn throws(LMDBError) -> (CommitOutcome, [Digest]) in
                if let repository { try addLinks([digest], to: repository, txn) }
                if try txn.get(digest.indexKey, in: databases.blobs) != nil { return (.alreadyStored, []) }
                // A download of unknown size reserved nothing; one of known size reserved all of it.
                let needed = size - (reservation?.bytes ?? 0)
                guard needed > 0 else { return (.stored, []) }
                // The bytes are on the filesystem already (in ingest/): only the budget is asked.
                let room = try makeRoom(for: needed, sparing: digest, disk: nil, txn)
                return (room.granted ? .stored : .noRoom, room.files)
            }
            unlinkEvicted(files)
            guard decision == .stored else { return decision }
            let directory = layout.blobDirectory(for: digest)
            try POSIX.makeDirectories(directory)
            try POSIX.rename(source, layout.blobPath(for: digest))
            try POSIX.fsyncDirectory(directory)
            try transaction(environment) { txn throws(LMDBError) in
                try txn.put(BlobRecord(size: size, storedAt: now()).encoded(), for: digest.indexKey, in: databases.blobs)
                try addEntry(ContentKey(.blob, digest), size: size, txn)
                // Released inside the transaction, so the next writer sees these bytes as used, not reserved.
                reservation?.release()
            }
            return .stored
        }
        if outcome == .noRoom {
            pending.count(.uncachedForSpace)
            logger.warning("no room to keep blob; it was sent but not stored", metadata: ["digest": "\(digest)", "size": "\(size)"])
        }
        return outcome != .noRoom
    }

    private enum CommitOutcome: Sendable { case stored, alreadyStored, noRoom }

    // MARK: On the writer thread

    /// Inside a write transaction: whether `bytes` more fit under the budget (committed plus
    /// reserved) and, when `disk` is given, in the filesystem's room above the free-space floor;
    /// evicting least-recently-used content when they do not: down to the budget's low watermark,
    /// and further if the filesystem needs it. Returns the evicted blob files, to unlink once the
    /// transaction has committed (their space counts as freed).
    func makeRoom(for bytes: Int64, sparing spared: Digest?, disk: Int64?, _ txn: borrowing LMDBTransaction) throws(LMDBError) -> (granted: Bool, files: [Digest]) {
        guard budget != nil || disk != nil else { return (true, []) }
        if let budget, bytes > budget.maxBytes { return (false, []) }
        let used = try AccessIndex(databases: databases).bytesUsed(txn)
        if fits(bytes, used: used, disk: disk) { return (true, []) }
        try applyPending(txn)  // the access order must be current before choosing what to evict
        let reserved = reservations.reservedBytes
        var target = budget.map { $0.lowWatermark - reserved - bytes } ?? .max
        if let disk { target = min(target, used - (bytes + reserved - disk)) }
        var sparing = leases.leased
        if let spared { sparing.insert(spared) }
        let outcome = try Eviction(databases: databases).run(down: max(0, target), sparing: sparing, txn)
        if !outcome.evicted.isEmpty {
            logger.info("evicted least recently used content", metadata: [
                "items": "\(outcome.evicted.count)", "bytes": "\(outcome.freedBytes)", "for": "\(bytes)",
            ])
        }
        return (fits(bytes, used: used - outcome.freedBytes, disk: disk.map { $0 + outcome.freedBytes }), outcome.files)
    }

    /// Whether `bytes` more fit under the budget beside `used` committed and the reserved bytes,
    /// and (with `disk`, the filesystem's room above the floor) on the filesystem beside the
    /// reserved bytes (counted whole, though downloads under way have written part of them).
    func fits(_ bytes: Int64, used: Int64, disk: Int64? = nil) -> Bool {
        if let disk, bytes + reservations.reservedBytes > disk { return false }
        guard let budget else { return true }
        return used + reservations.reservedBytes + bytes <= budget.maxBytes
    }

    /// The filesystem's free bytes above `minimumFreeBytes` (negative below it); nil with no floor,
    /// or when the filesystem cannot be asked.
    func diskRoom() -> Int64? {
        guard let minimumFreeBytes, let available = POSIX.availableBytes(layout.root) else { return nil }
        return available - minimumFreeBytes
    }

    /// Adds new content at the most recent end of the access order.
    func addEntry(_ key: ContentKey, size: Int64, _ txn: borrowing LMDBTransaction) throws(LMDBError) {
        try AccessIndex(databases: databases).add(key, size: size, sequence: pending.nextSequence(), at: now(), txn)
        try txn.setInteger(Int64(bitPattern: pending.clockValue), .accessClock, in: databases)
    }

    /// Writes the batched accesses and counters.
    func applyPending(_ txn: borrowing LMDBTransaction) throws(LMDBError) {
        let (accesses, counters) = pending.take()
        let index = AccessIndex(databases: databases)
        for (key, access) in accesses {
            try index.touch(key, sequence: access.sequence, at: access.at, txn)
        }
        try txn.addInteger(counters.hits, .hits, in: databases)
        try txn.addInteger(counters.misses, .misses, in: databases)
        try txn.addInteger(counters.uncachedForSpace, .uncachedForSpace, in: databases)
        if !accesses.isEmpty { try txn.setInteger(Int64(bitPattern: pending.clockValue), .accessClock, in: databases) }
    }

    func unlinkEvicted(_ digests: [Digest]) {
        for digest in digests { POSIX.unlink(layout.blobPath(for: digest)) }
    }
}
