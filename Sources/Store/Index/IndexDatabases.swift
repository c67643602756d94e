/// The named LMDB databases of the index.
///
///     manifests  digest → media type, exact bytes
///     tags       upstream NUL repository:tag → digest, checked-at
///     blobs      digest → size, stored-at (the file exists: invariant 1)
///     entries    kind ‖ digest → access sequence, accessed-at, size (one per manifest and blob)
///     access     sequence (big-endian) ‖ kind ‖ digest → size: the LRU order, least recent first
///     pins       digest → the reference it was pinned as
///     links      digest NUL upstream NUL repository → nothing: which repositories may serve it
///     repositories  upstream NUL repository → nothing: every repository the cache has served
///     meta       name → value: schema, bytes used, access clock, run state, counters
struct IndexDatabases: Sendable {
    let manifests: LMDBDatabase
    let tags: LMDBDatabase
    let blobs: LMDBDatabase
    let entries: LMDBDatabase
    let access: LMDBDatabase
    let pins: LMDBDatabase
    let links: LMDBDatabase
    let repositories: LMDBDatabase
    let meta: LMDBDatabase

    init(_ environment: LMDBEnvironment) throws(LMDBError) {
        manifests = try environment.database(named: "manifests")
        tags = try environment.database(named: "tags")
        blobs = try environment.database(named: "blobs")
        entries = try environment.database(named: "entries")
        access = try environment.database(named: "access")
        pins = try environment.database(named: "pins")
        links = try environment.database(named: "links")
        repositories = try environment.database(named: "repositories")
        meta = try environment.database(named: "meta")
    }
}
