import Logging
import OCI
import Store
import Synchronization
import Upstream

/// The pull-through core, in registry terms. It answers from the store when it can, and
/// otherwise fetches from the request's upstream, verifies, stores and answers.
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
public final class PullThroughCache: Sendable {
    public let upstreams: [CachedUpstream]
    public let router: UpstreamRouter
    let store: ContentStore
    let logger: Logger
    /// Blob fetches starting or running, one per digest (single-flight), and the repository each
    /// was started for.
    private let blobFetches = Mutex<[Digest: (task: Task<FetchStart, any Error>, repository: RepositoryKey)]>([:])

    public init(store: ContentStore, upstreams: [CachedUpstream], logger: Logger) {
        self.store = store
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

    // MARK: Answers from the store alone (synchronous: the server calls them on its event loop)

    /// The manifest when the store can answer without the upstream: by a digest linked to the
    /// repository, or by a tag the upstream confirmed within `tagTTL`. Nil means `manifest(_:_:)`
    /// must be asked.
    public func cachedManifest(_ repository: CacheRepository, _ reference: ManifestReference) throws(RegistryError) -> ManifestResult? {
        let stored: StoredManifest?
        switch reference {
        case .digest(let digest):
            guard case .found(let manifest) = try storeRead({ () throws(StoreError) in try store.manifest(digest, in: repository.key) }) else { return nil }
            stored = manifest
        case .tag(let tag):
            let known = try storeRead { () throws(StoreError) in try store.taggedManifest(TagKey(repository.key, tag: tag)) }
            stored = known.flatMap { record, manifest in isFresh(record, repository.upstream) ? manifest : nil }
        }
        guard let stored else { return nil }
        store.noteAccess(ContentKey(.manifest, stored.digest))
        return ManifestResult(stored)
    }

    /// A committed blob linked to the repository, opened for sending; nil when the upstream must be asked.
    public func cachedBlob(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> OpenedBlob? {
        guard case .found(let opened) = try storeRead({ () throws(StoreError) in try store.openBlob(digest, in: repository.key) }) else { return nil }
        store.noteAccess(ContentKey(.blob, digest))
        return opened
    }

    /// A committed blob's size, when it is linked to the repository.
    public func cachedBlobSize(_ repository: CacheRepository, _ digest: Digest) throws(RegistryError) -> Int64? {
        guard case .found(let record) = try storeRead({ () throws(StoreError) in try store.blob(digest, in: repository.key) }) else { return nil }
        return record.size
    }

    // MARK: Manifests

    public func manifest(_ repository: CacheRepository, _ reference: ManifestReference) async throws(RegistryError) -> ManifestResult {
        switch reference {
        case .digest(let digest):
            switch try storeRead({ () throws(StoreError) in try store.manifest(digest, in: repository.key) }) {
            case .found(let manifest):
                store.noteAccess(ContentKey(.manifest, digest))
                return ManifestResult(manifest)
            case .notLinked:
                return try await confirmedManifest(repository, digest)
            case .notCached:
                store.noteMiss()
                return ManifestResult(try await fetchManifest(repository, reference: digest.description, expected: digest, tag: nil))
            }
        case .tag(let tag):
            return try await manifest(repository, tag: tag)
        }
    }

    private func manifest(_ repository: CacheRepository, tag: Tag) async throws(RegistryError) -> ManifestResult {
        let key = TagKey(repository.key, tag: tag)
        let known = try storeRead { () throws(StoreError) in try store.taggedManifest(key) }
        guard let (record, cached) = known else {
            store.noteMiss()
            return ManifestResult(try await fetchManifest(repository, reference: tag.value, expected: nil, tag: key))
        }
        store.noteAccess(ContentKey(.manifest, cached.digest))
        if isFresh(record, repository.upstream) { return ManifestResult(cached) }
        let head: UpstreamManifest
        do {
            head = try await upstreamManifest(repository, reference: tag.value, method: .head)
        } catch let error where error.allowsServingStale {
            logger.warning("serving cached tag: upstream failed", metadata: [
                "tag": "\(key)", "digest": "\(cached.digest)", "error": "\(error)",
            ])
            return ManifestResult(cached, staleWarning: "upstream \(repository.upstream.name) unavailable; serving cached \(repository.name):\(tag)")
        } catch {
            throw error.registryError(notFound: .manifestUnknown)
        }
        if let digest = head.digest.flatMap(Digest.init), digest == cached.digest {
            try await storeAccess { () throws(StoreError) in try await store.touchTag(key, digest: digest) }
            return ManifestResult(cached)
        }
        return ManifestResult(try await fetchManifest(repository, reference: tag.value, expected: nil, tag: key))
    }

    /// A manifest cached through another repository: served here once this repository's upstream
    /// confirms it has it (a `HEAD` by digest); then it and what it lists are linked here.
    private func confirmedManifest(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> ManifestResult {
        do {
            _ = try await upstreamManifest(repository, reference: digest.description, method: .head)
        } catch {
            throw error.registryError(notFound: .manifestUnknown)
        }
        guard let manifest = try storeRead({ () throws(StoreError) in try store.manifest(digest) }) else {
            store.noteMiss()  // evicted meanwhile
            return ManifestResult(try await fetchManifest(repository, reference: digest.description, expected: digest, tag: nil))
        }
        try await storeAccess { () throws(StoreError) in try await store.link(ContentStore.linkedByManifest(manifest), to: repository.key) }
        logger.info("upstream confirmed manifest for repository", metadata: ["repository": "\(repository)", "digest": "\(digest)"])
        store.noteAccess(ContentKey(.manifest, digest))
        return ManifestResult(manifest)
    }

    /// Whether the upstream confirmed the tag recently enough to serve it without asking.
    private func isFresh(_ record: TagRecord, _ upstream: CachedUpstream) -> Bool {
        upstream.tagTTL > .zero && .seconds(now() - record.checkedAt) < upstream.tagTTL
    }

    /// GETs a manifest, checks it against `expected` (a digest reference) or the upstream's
    /// `Docker-Content-Digest` (a tag), stores it byte-exact linked to the repository and, for a
    /// tag, retags.
    private func fetchManifest(_ repository: CacheRepository, reference: String, expected: Digest?, tag: TagKey?) async throws(RegistryError) -> StoredManifest {
        let upstreamName = repository.upstream.name
        let response: UpstreamManifest
        do {
            response = try await upstreamManifest(repository, reference: reference, method: .get)
        } catch {
            throw error.registryError(notFound: .manifestUnknown)
        }
        guard let bytes = response.bytes else {
            throw RegistryError(.unknown, "upstream \(upstreamName) sent a manifest without a body", status: 502)
        }
        let computed = SHA256Hasher.digest(of: bytes)
        let claimed = expected ?? response.digest.flatMap(Digest.init).flatMap { $0.isSHA256 ? $0 : nil }
        if let claimed, claimed != computed {
            logger.error("manifest digest mismatch", metadata: ["repository": "\(repository)", "reference": "\(reference)", "expected": "\(claimed)", "actual": "\(computed)"])
            throw RegistryError(.unknown, "upstream \(upstreamName) sent a manifest that does not match \(claimed)", status: 502)
        }
        let manifest = StoredManifest(digest: computed, mediaType: response.mediaType, bytes: bytes)
        _ = try await storeAccess { () throws(StoreError) in try await store.putManifest(manifest, linkedTo: repository.key, tag: tag) }
        logger.info("cached manifest", metadata: ["repository": "\(repository)", "reference": "\(reference)", "digest": "\(computed)"])
        return manifest
    }

    /// One upstream request per repository, reference and method at a time, however many clients ask.
    private func upstreamManifest(_ repository: CacheRepository, reference: String, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest {
        let (upstream, name) = (repository.upstream, repository.name)
        do {
            return try await upstream.manifestRequests.run("\(method)\u{0}\(name.value)\u{0}\(reference)") {
                try await upstream.client.manifest(repository: name.value, reference: reference, method: method)
            }
        } catch let error as UpstreamError {
            throw error
        } catch {
            throw .unreachable(upstream: upstream.name, reason: "\(error)")
        }
    }

    // MARK: Blobs

    public func blob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> BlobResult {
        switch try storeRead({ () throws(StoreError) in try store.openBlob(digest, in: repository.key) }) {
        case .found(let opened):
            store.noteAccess(ContentKey(.blob, digest))
            return .stored(opened)
        case .notLinked:
            _ = try await confirmBlob(repository, digest)
            if let opened = try cachedBlob(repository, digest) { return .stored(opened) }
        case .notCached:
            break
        }
        guard digest.isSHA256 else {
            throw RegistryError(.digestInvalid, "only sha256 blobs can be verified and cached, not \(digest.algorithm)")
        }
        let key = repository.key
        let (start, starter) = blobFetches.withLock { running in
            if let existing = running[digest] { return (existing.task, existing.repository) }
            let start = Task { () async throws -> FetchStart in try await self.startFetch(repository, digest) }
            running[digest] = (start, key)
            return (start, key)
        }
        let starts = starter == key
        if starts {
            store.noteMiss()
        } else if try !storeRead({ () throws(StoreError) in try store.isLinked(digest, to: key) }) {
            // Another repository's download: joined only once this repository's upstream confirms the blob.
            _ = try await confirmBlob(repository, digest)
        }
        let started: FetchStart
        do {
            started = try await start.value
        } catch {
            throw error as? RegistryError ?? RegistryError(.unknown, "blob fetch failed: \(error)", status: 500)
        }
        switch started {
        case .following(let fetch):
            return .fetching(InFlightBlob(fetch: fetch))
        case .notKept(let upstream) where starts:
            return .passThrough(BlobPassThrough(upstream: upstream, digest: digest, logger: logger))
        case .notKept:
            // That upstream response is the starter's; without room to share a file, fetch our own.
            return .passThrough(BlobPassThrough(upstream: try await upstreamBlob(repository, digest), digest: digest, logger: logger))
        }
    }

    private enum FetchStart: Sendable {
        case following(BlobFetch)
        case notKept(UpstreamBlob)
    }

    /// Asks the upstream for the blob and starts the shared fetch. Runs once per digest at a time;
    /// the entry in `blobFetches` stays until the fetch has committed or failed.
    private func startFetch(_ repository: CacheRepository, _ digest: Digest) async throws -> FetchStart {
        let forget: @Sendable () -> Void = { [self] in blobFetches.withLock { _ = $0.removeValue(forKey: digest) } }
        do {
            let upstream = try await upstreamBlob(repository, digest)
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
            logger.info("fetching blob", metadata: ["repository": "\(repository)", "digest": "\(digest)", "size": "\(upstream.contentLength.map(String.init) ?? "unknown")"])
            do {
                return .following(try BlobFetch.start(digest: digest, upstream: upstream, through: repository.key, ingest: ingest,
                                                      store: store, logger: logger, finished: forget))
            } catch {
                throw logged(error)
            }
        } catch {
            forget()
            throw error
        }
    }

    private func upstreamBlob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> UpstreamBlob {
        do {
            return try await repository.upstream.client.blob(repository: repository.name.value, digest: digest.description)
        } catch {
            throw error.registryError(notFound: .blobUnknown)
        }
    }

    /// Asks the repository's upstream whether it has the blob (a `HEAD`, nothing downloaded) and
    /// links it to the repository if so. Returns the size the upstream gave, if any.
    private func confirmBlob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> Int64? {
        let size: Int64?
        do {
            size = try await repository.upstream.client.blobSize(repository: repository.name.value, digest: digest.description)
        } catch {
            throw error.registryError(notFound: .blobUnknown)
        }
        try await storeAccess { () throws(StoreError) in try await store.link([digest], to: repository.key) }
        logger.info("upstream confirmed blob for repository", metadata: ["repository": "\(repository)", "digest": "\(digest)"])
        return size
    }

    /// The blob's size for a `HEAD`: from the store or a download in flight (once the repository
    /// is linked to it), or asked of the upstream without downloading, which also links it.
    public func blobSize(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> Int64? {
        let key = repository.key
        switch try storeRead({ () throws(StoreError) in try store.blob(digest, in: key) }) {
        case .found(let record):
            return record.size
        case .notLinked:
            _ = try await confirmBlob(repository, digest)
            return try cachedBlobSize(repository, digest)
        case .notCached:
            break
        }
        if try storeRead({ () throws(StoreError) in try store.isLinked(digest, to: key) }),
           let start = blobFetches.withLock({ $0[digest]?.task }), case .following(let fetch)? = try? await start.value, let size = fetch.size {
            return size
        }
        return try await confirmBlob(repository, digest)
    }

    // MARK: Store access with errors mapped once

    func storeRead<R>(_ body: () throws(StoreError) -> R) throws(RegistryError) -> R {
        do { return try body() } catch { throw logged(error) }
    }

    func storeAccess<R>(_ body: () async throws(StoreError) -> R) async throws(RegistryError) -> R {
        do { return try await body() } catch { throw logged(error) }
    }

    func logged(_ error: StoreError) -> RegistryError {
        logger.error("store failure", metadata: ["error": "\(error)"])
        return error.registryError
    }
}

extension CacheRepository {
    /// The store's key: this repository under this upstream.
    var key: RepositoryKey { RepositoryKey(upstream: upstream.name, repository: name) }
}
