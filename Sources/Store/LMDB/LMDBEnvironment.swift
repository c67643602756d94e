import CLMDB

/// One LMDB environment per process. Transactions exist only inside the synchronous closures of
/// `read` and `write`, so no `await` can happen while one is open (a write txn holds a
/// thread-owned mutex, and tasks may change threads at every suspension point).
public final class LMDBEnvironment: @unchecked Sendable {  // MDB_env is thread-safe; the pointer is immutable after init.
    private let env: OpaquePointer

    /// Opens (creating if needed) the environment in `directory`, which must exist.
    public init(directory: String, mapSize: Int, maxDatabases: Int = 16) throws(LMDBError) {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: -1, operation: "mdb_env_create") }
        do {
            try check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            try check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, 1024), "mdb_env_set_maxreaders")
            // NOTLS: read txns are not tied to a thread (Swift tasks hop threads).
            try check(mdb_env_open(env, directory, UInt32(MDB_NOTLS), 0o640), "mdb_env_open")
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.env = env
    }

    deinit { mdb_env_close(env) }

    /// Opens or creates a named database. Call once at start-up, before concurrent use.
    public func database(named name: String) throws(LMDBError) -> LMDBDatabase {
        try write { txn throws(LMDBError) in
            var dbi: MDB_dbi = 0
            try check(mdb_dbi_open(txn.handle, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open \(name)")
            return LMDBDatabase(dbi: dbi)
        }
    }

    public func read<R>(_ body: (borrowing LMDBTransaction) throws(LMDBError) -> R) throws(LMDBError) -> R {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(handle: txn!))
    }

    /// Runs `body` in a write transaction and commits it (durably: commit fsyncs). Blocks while
    /// another writer is active, so callers go through a single writer off the cooperative pool.
    public func write<R>(_ body: (borrowing LMDBTransaction) throws(LMDBError) -> R) throws(LMDBError) -> R {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin(write)")
        let result: R
        do {
            result = try body(LMDBTransaction(handle: txn!))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try check(mdb_txn_commit(txn), "mdb_txn_commit")
        return result
    }
}

public struct LMDBDatabase: Sendable {
    let dbi: MDB_dbi
}

public struct LMDBError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    public var description: String {
        let reason = mdb_strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return "LMDB \(operation): \(reason)"
    }
}

func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    guard rc == MDB_SUCCESS else { throw LMDBError(code: rc, operation: operation()) }
}
