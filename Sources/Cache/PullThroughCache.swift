import Logging
import OCI
import Store
import Upstream

/// The pull-through core, in registry terms: a decorator over `LocalContent` (the store) and
/// `UpstreamContent` (each repository's upstream), with the same interface as both
/// (`RegistryContent`). It answers from local content when it can, and otherwise asks upstream
/// content, stores and answers. See `Content/README.md`.
///
/// - Every request is routed to one upstream first (`route`); a repository is keyed by its
///   upstream, so the same name under two upstreams is two repositories.
/// - A repository is served only content linked to it (invariant 5): what its manifests list,
///   what was fetched through it, or what its upstream confirmed for it with a `HEAD`. Content is
///   still stored once per digest.
/// - Manifests by digest are immutable: a linked hit never contacts the upstream.
/// - Manifests by tag are served from the store while the upstream confirmed them within its
///   `tagTTL`; after that they are revalidated with a `HEAD`, and an unchanged digest is served
///   from the store. When the upstream cannot answer (unreachable, timed out, 5xx, 429) the last
///   known digest is served with a warning.
/// - Blobs by digest: a hit is a file; a miss is one `BlobFetch` per digest, written to `ingest/`,
///   verified and committed, which every client asking meanwhile follows (single-flight).
public final class PullThroughCache: RegistryContent {
    public let upstreams: [CachedUpstream]
    public let router: UpstreamRouter
    let store: ContentStore
    /// What the store holds, linked content only: every hit is answered from it.
    public let local: LocalContent
    /// What each repository's upstream holds, fetched and verified, not stored: asked on a miss.
    let remote: UpstreamContent
    let logger: Logger
    /// Blob fetches starting or running, one per digest, owned by the repository each was started
    /// for; released when the download has been committed or has failed.
    private let blobFetches = SingleFlight<Digest, FetchStart, RepositoryKey>()
    private let downloads = DownloadMetrics()

    public init(store: ContentStore, upstreams: [CachedUpstream], logger: Logger) {
        self.store = store
        local = LocalContent(store: store, logger: logger)
        remote = UpstreamContent(logger: logger)
        self.upstreams = upstreams
        self.router = UpstreamRouter(upstreams.map(\.rule))
        self.logger = logger
    }

    // MARK: Routing

    /// The upstream and repository a request for `name` goes to. An unknown `namespace` is a 404
    /// `NAME_UNKNOWN`, so a mirror client moves on to its next host at once.
    public func route(_ name: RepositoryName, namespace: String?) throws(RegistryError) -> CacheRepository {
        switch router.route(name, namespace: namespace) {
        case .routed(let index, let repository):
            return CacheRepository(upstream: upstreams[index], name: repository)
        case .unknownNamespace(let namespace):
            throw RegistryError(.nameUnknown, "this Stowage mirrors no registry for namespace \(namespace.prefix(255))", status: 404)
        case .noUpstream:
            let names = upstreams.map(\.name).joined(separator: ", ")
            throw RegistryError(.nameUnknown, "no upstream for \(name): name one as the first path segment (\(names)) or pass ?ns=<registry host>", status: 404)
        }
    }

    // MARK: Lookups: one read of the store, synchronous (the server calls them on its event loop)

    /// The manifest when the store can answer without the upstream (a digest linked to the
    /// repository, or a tag the upstream confirmed within `tagTTL`); otherwise what the store held,
    /// for `manifest(_:)` to continue from.
    public func lookupManifest(_ repository: CacheRepository, _ reference: ManifestReference) throws(RegistryError) -> Lookup<ManifestResult, PendingManifest> {
        let found: PendingManifest.Found
        switch reference {
        case .digest(let digest):
            switch try local.manifest(digest, in: repository.key) {
            case .found(let manifest):
                store.noteAccess(ContentKey(.manifest, digest))
                return .answered(ManifestResult(manifest))
            case .notLinked: found = .notLinked
            case .notCached: found = .notCached
            }
        case .tag(let tag):
            let key = TagKey(repository.key, tag: tag)
            if let (record, manifest) = try local.taggedManifest(key) {
                store.noteAccess(ContentKey(.manifest, manifest.digest))
                if isFresh(record, repository.upstream) { return .answered(ManifestResult(manifest)) }
                found = .stale(key, manifest)
            } else {
                found = .notCached
            }
        }
        return .pending(PendingManifest(repository: repository, reference: reference, found: found))
    }

    /// A committed blob linked to the repository, opened for sending; otherwise what the store
    /// held, for `blob(_:)` or `blobSize(_:)` to continue from.
    public func lookupBlob(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> Lookup<StoredBlob, PendingBlob> {
        switch try local.openBlob(digest, in: repository.key) {
        case .found(let opened):
            store.noteAccess(ContentKey(.blob, digest))
            return .answered(StoredBlob(opened: opened))
        case .notLinked:
            return .pending(PendingBlob(repository: repository, digest: digest, isCachedElsewhere: true))
        case .notCached:
            return .pending(PendingBlob(repository: repository, digest: digest, isCachedElsewhere: false))
        }
    }

    /// A committed blob's size when it is linked to the repository (a `HEAD`); otherwise what the
    /// store held, for `blobSize(_:)` to continue from.
    public func lookupBlobSize(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> Lookup<Int64, PendingBlob> {
        switch try local.blobRecord(digest, in: repository.key) {
        case .found(let record): return .answered(record.size)
        case .notLinked: return .pending(PendingBlob(repository: repository, digest: digest, isCachedElsewhere: true))
        case .notCached: return .pending(PendingBlob(repository: repository, digest: digest, isCachedElsewhere: false))
        }
    }

    /// A committed blob's size, when it is linked to the repository.
    func cachedBlobSize(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> Int64? {
        guard case .answered(let size) = try lookupBlobSize(repository, digest) else { return nil }
        return size
    }

    // MARK: Manifests

    public func manifest(_ repository: CacheRepository, _ reference: ManifestReference) async throws(RegistryError) -> ManifestResult {
        switch try lookupManifest(repository, reference) {
        case .answered(let manifest): return manifest
        case .pending(let pending): return try await manifest(pending)
        }
    }

    /// Continues a lookup the store could not answer: fetches, confirms or revalidates upstream.
    public func manifest(_ pending: PendingManifest) async throws(RegistryError) -> ManifestResult {
        let repository = pending.repository
        switch (pending.found, pending.reference) {
        case (.notLinked, .digest(let digest)):
            return try await confirmedManifest(repository, digest)
        case (.stale(let key, let cached), .tag(let tag)):
            return try await revalidated(repository, tag: tag, key: key, cached: cached)
        case (_, let reference):
            store.noteMiss()
            return ManifestResult(try await fetchManifest(repository, reference), fetched: true)
        }
    }

    /// A cached tag older than its TTL: a `HEAD` upstream; the same digest is served from the store,
    /// a new one fetched; an upstream that cannot answer gets the cached one served with a warning.
    private func revalidated(_ repository: CacheRepository, tag: Tag, key: TagKey, cached: StoredManifest) async throws(RegistryError) -> ManifestResult {
        let head: UpstreamManifest
        do {
            head = try await remote.head(repository, .tag(tag))
        } catch let error where error.allowsServingStale {
            let refused = error.refusesCredentials
            logger.log(level: refused ? .error : .warning, "serving cached tag: upstream \(refused ? "refused Stowage's credentials" : "failed")", metadata: [
                "tag": "\(key)", "digest": "\(cached.digest)", "error": "\(error)",
            ])
            let why = refused ? "refused Stowage's credentials" : "unavailable"
            return ManifestResult(cached, staleWarning: "upstream \(repository.upstream.name) \(why); serving cached \(repository.name):\(tag)")
        } catch {
            throw error.registryError(notFound: .manifestUnknown, in: repository)
        }
        if let digest = head.digest.flatMap(Digest.init), digest == cached.digest {
            try await storeAccess { () throws(StoreError) in try await store.touchTag(key, digest: digest) }
            return ManifestResult(cached)
        }
        return ManifestResult(try await fetchManifest(repository, .tag(tag)), fetched: true)
    }

    /// A manifest cached through another repository: served here once this repository's upstream
    /// confirms it has it (a `HEAD` by digest); then it and what it lists are linked here.
    private func confirmedManifest(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> ManifestResult {
        do {
            _ = try await remote.head(repository, .digest(digest))
        } catch {
            throw error.registryError(notFound: .manifestUnknown, in: repository)
        }
        guard let manifest = try local.anyManifest(digest) else {
            store.noteMiss()  // evicted meanwhile
            return ManifestResult(try await fetchManifest(repository, .digest(digest)), fetched: true)
        }
        try await storeAccess { () throws(StoreError) in try await store.link(ContentStore.linkedByManifest(manifest), to: repository.key) }
        logger.info("upstream confirmed manifest for repository", metadata: repository.logMetadata(["digest": "\(digest)"]))
        store.noteAccess(ContentKey(.manifest, digest))
        return ManifestResult(manifest)
    }

    /// Whether the upstream confirmed the tag recently enough to serve it without asking.
    private func isFresh(_ record: TagRecord, _ upstream: CachedUpstream) -> Bool {
        upstream.tagTTL > .zero && .seconds(now() - record.checkedAt) < upstream.tagTTL
    }

    /// Fetches the manifest from upstream content (verified there), stores it byte-exact linked to
    /// the repository and, for a tag, retags.
    private func fetchManifest(_ repository: CacheRepository, _ reference: ManifestReference) async throws(RegistryError) -> StoredManifest {
        let manifest = try await remote.verifiedManifest(repository, reference)
        let tag: TagKey? = if case .tag(let tag) = reference { TagKey(repository.key, tag: tag) } else { nil }
        do {
            if try await store.putManifest(manifest, linkedTo: repository.key, tag: tag) {
                logger.info("cached manifest", metadata: repository.logMetadata([
                    "reference": "\(reference)", "digest": "\(manifest.digest)",
                ]))
            }
        } catch {
            // Verified bytes are served even when they cannot be kept (a full filesystem, say).
            store.noteUncachedForSpace()
            logger.warning("could not store the manifest; it is served without being kept", metadata: repository.logMetadata([
                "reference": "\(reference)", "digest": "\(manifest.digest)", "error": "\(error)",
            ]))
        }
        return manifest
    }

    // MARK: Blobs

    public func blob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> BlobResult {
        switch try lookupBlob(repository, digest) {
        case .answered(let stored): return .stored(stored)
        case .pending(let pending): return try await blob(pending)
        }
    }

    /// Continues a lookup the store could not answer: confirms the blob upstream for this
    /// repository, or joins (or starts) the one fetch of it.
    public func blob(_ pending: PendingBlob) async throws(RegistryError) -> BlobResult {
        let (repository, digest) = (pending.repository, pending.digest)
        if pending.isCachedElsewhere {
            _ = try await confirmBlob(repository, digest)
            if case .answered(let stored) = try lookupBlob(repository, digest) { return .stored(stored) }
        }
        guard digest.isSHA256 else {
            throw RegistryError(.digestInvalid, "only sha256 blobs can be verified and cached, not \(digest.algorithm)")
        }
        let key = repository.key
        let flight = blobFetches.join(digest, owner: key, releasedWhenDone: false) { release in
            try await self.startFetch(repository, digest, release: release)
        }
        if flight.owner == key {
            store.noteMiss()
        } else if try !local.isLinked(digest, to: key) {
            // Another repository's download: joined only once this repository's upstream confirms the blob.
            _ = try await confirmBlob(repository, digest)
        }
        let started: FetchStart
        do {
            started = try await flight.value
        } catch {
            throw error as? RegistryError ?? RegistryError(.unknown, "blob fetch failed: \(error)", status: 500)
        }
        switch started {
        case .following(let fetch):
            return .fetching(InFlightBlob(fetch: fetch, joined: !flight.isLeader))
        case .notKept(let upstream) where flight.isLeader:
            return .passThrough(BlobPassThrough(upstream: upstream, digest: digest, logger: logger))
        case .notKept:
            // That upstream response is the starter's; without room to share a file, fetch our own.
            return try await remote.blob(repository, digest)
        }
    }

    private enum FetchStart: Sendable {
        case following(BlobFetch)
        case notKept(UpstreamBlob)
    }

    /// Asks the upstream for the blob and starts the shared fetch. Runs once per digest at a time;
    /// the flight is released (`release`) once the fetch has committed or failed, or when there is
    /// nothing to share.
    private func startFetch(_ repository: CacheRepository, _ digest: Digest, release forget: @escaping @Sendable () -> Void) async throws -> FetchStart {
        do {
            let upstream = try await remote.upstreamBlob(repository, digest)
            let ingest = try await storeAccess { () async throws(StoreError) in
                try await store.beginIngest(of: digest, expectedSize: upstream.contentLength)
            }
            guard let ingest else {
                logger.warning("no room in the cache: streaming the blob without keeping it", metadata: [
                    "digest": "\(digest)", "size": "\(upstream.contentLength.map(String.init) ?? "unknown")",
                ])
                forget()
                return .notKept(upstream)
            }
            logger.info("fetching blob", metadata: repository.logMetadata([
                "digest": "\(digest)", "size": "\(upstream.contentLength.map(String.init) ?? "unknown")",
            ]))
            do {
                return .following(try BlobFetch.start(digest: digest, upstream: upstream, through: repository.key, ingest: ingest,
                                                      store: store, logger: logger, metrics: downloads,
                                                      stallTimeout: repository.upstream.registry.settings.stallTimeout, finished: forget))
            } catch {
                throw logged(error)
            }
        } catch {
            forget()
            throw error
        }
    }

    /// Asks the repository's upstream whether it has the blob (a `HEAD`, nothing downloaded) and
    /// links it to the repository if so. Returns the size the upstream gave, if any.
    private func confirmBlob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> Int64? {
        let size: Int64?
        do {
            size = try await remote.headBlob(repository, digest)
        } catch {
            throw error.registryError(notFound: .blobUnknown, in: repository)
        }
        try await storeAccess { () throws(StoreError) in try await store.link([digest], to: repository.key) }
        logger.info("upstream confirmed blob for repository", metadata: repository.logMetadata(["digest": "\(digest)"]))
        return size
    }

    public func blobSize(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> Int64? {
        switch try lookupBlobSize(repository, digest) {
        case .answered(let size): return size
        case .pending(let pending): return try await blobSize(pending)
        }
    }

    /// Continues a `HEAD` lookup the store could not answer: the size of a download in flight
    /// (once the repository is linked to it), or asked of the upstream without downloading, which
    /// also links it.
    public func blobSize(_ pending: PendingBlob) async throws(RegistryError) -> Int64? {
        let (repository, digest) = (pending.repository, pending.digest)
        if pending.isCachedElsewhere {
            _ = try await confirmBlob(repository, digest)
            return try cachedBlobSize(repository, digest)
        }
        if try local.isLinked(digest, to: repository.key),
           let flight = blobFetches.running(digest), case .following(let fetch)? = try? await flight.value, let size = fetch.size {
            return size
        }
        return try await confirmBlob(repository, digest)
    }

    // MARK: Store access with errors mapped once

    func storeRead<R>(_ body: () throws(StoreError) -> R) throws(RegistryError) -> R {
        do { return try body() } catch { throw local.logged(error) }
    }

    func storeAccess<R>(_ body: () async throws(StoreError) -> R) async throws(RegistryError) -> R {
        do { return try await body() } catch { throw local.logged(error) }
    }

    func logged(_ error: StoreError) -> RegistryError { local.logged(error) }
}

extension CacheRepository {
    /// The store's key: this repository under this upstream.
    var key: RepositoryKey { RepositoryKey(upstream: upstream.name, repository: name) }
}
