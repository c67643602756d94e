import OCI

extension ContentStore {
    /// Records blobs without files, in batched transactions, for benchmarks that need an index of
    /// a million entries in seconds. Never use it on a real store: it breaks invariant 1 on purpose
    /// (the records name files that do not exist).
    package func insertRecordsWithoutFiles(_ blobs: [(digest: Digest, size: Int64)]) async throws(StoreError) {
        try await writer.write { [self] txn throws(LMDBError) in
            let storedAt = now()
            for (digest, size) in blobs {
                try txn.put(BlobRecord(size: size, storedAt: storedAt).encoded(), for: digest.indexKey, in: databases.blobs)
                try addEntry(ContentKey(.blob, digest), size: size, txn)
            }
        }
    }
}
