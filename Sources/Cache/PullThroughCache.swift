import Logging
import OCI
import Store
import Synchronization
import Upstream

/// The pull-through core, in registry terms. It answers from the store when it can, and
/// otherwise fetches from the upstream, verifies, stores and answers.
///
/// - Manifests by digest are immutable: a hit never contacts the upstream.
/// - Manifests by tag are served from the store while the upstream confirmed them within `tagTTL`;
///   after that they are revalidated with a `HEAD`, and an unchanged digest is served from the store.
///   When the upstream cannot answer (unreachable, timed out, 5xx, 429) the last known digest is
///   served with a warning.
/// - Blobs by digest: a hit is a file; a miss is one `BlobFetch` per digest, written to `ingest/`,
///   verified and committed, which every client asking meanwhile follows (single-flight).
public final class PullThroughCache: Sendable {
    /// How long a tag the upstream confirmed is served without asking again; zero asks every time.
    public let tagTTL: Duration
    private let store: ContentStore
    private let client: RegistryClient
    private let logger: Logger
    /// Blob fetches starting or running, one per digest (single-flight).
    private let blobFetches = Mutex<[Digest: Task<FetchStart, any Error>]>([:])
    /// Manifest requests to the upstream in flight, one per upstream, repository, reference and method.
    private let manifestRequests = Coalescer<String, UpstreamManifest>()

    public init(store: ContentStore, client: RegistryClient, tagTTL: Duration = .seconds(60), logger: Logger) {
        self.tagTTL = tagTTL
        self.store = store
        self.client = client
        self.logger = logger
    }

    /// The upstream's name, as clients see it in messages.
    public var upstreamName: String { client.settings.name }

    // MARK: Answers from the store alone (synchronous: the server calls them on its event loop)

    /// The manifest when the store can answer without the upstream: by digest, or by a tag the
    /// upstream confirmed within `tagTTL`. Nil means `manifest(_:_:)` must be asked.
    public func cachedManifest(_ repository: RepositoryName, _ reference: ManifestReference) throws(RegistryError) -> ManifestResult? {
        let stored: StoredManifest?
        switch reference {
        case .digest(let digest):
            stored = try storeRead { () throws(StoreError) in try store.manifest(digest) }
        case .tag(let tag):
            let key = TagKey(upstream: upstreamName, repository: repository, tag: tag)
            let known = try storeRead { () throws(StoreError) in try store.taggedManifest(key) }
            stored = known.flatMap { record, manifest in isFresh(record) ? manifest : nil }
        }
        guard let stored else { return nil }
        store.noteAccess(ContentKey(.manifest, stored.digest))
        return ManifestResult(stored)
    }

    /// A committed blob, opened for sending; nil when it is not cached.
    public func cachedBlob(_ digest: Digest) throws(RegistryError) -> OpenedBlob? {
        guard let opened = try storeRead({ () throws(StoreError) in try store.openBlob(digest) }) else { return nil }
        store.noteAccess(ContentKey(.blob, digest))
        return opened
    }

    /// A committed blob's size; nil when it is not cached.
    public func cachedBlobSize(_ digest: Digest) throws(RegistryError) -> Int64? {
        try storeRead { () throws(StoreError) in try store.blob(digest) }?.size
    }

    // MARK: Manifests

    public func manifest(_ repository: RepositoryName, _ reference: ManifestReference) async throws(RegistryError) -> ManifestResult {
        switch reference {
        case .digest(let digest):
            if let cached = try cachedManifest(repository, reference) { return cached }
            store.noteMiss()
            let fetched = try await fetchManifest(repository, reference: digest.description, expected: digest, tag: nil)
            return ManifestResult(fetched)
        case .tag(let tag):
            return try await manifest(repository, tag: tag)
        }
    }

    private func manifest(_ repository: RepositoryName, tag: Tag) async throws(RegistryError) -> ManifestResult {
        let key = TagKey(upstream: upstreamName, repository: repository, tag: tag)
        let known = try storeRead { () throws(StoreError) in try store.taggedManifest(key) }
        guard let (record, cached) = known else {
            store.noteMiss()
            let fetched = try await fetchManifest(repository, reference: tag.value, expected: nil, tag: key)
            return ManifestResult(fetched)
        }
        store.noteAccess(ContentKey(.manifest, cached.digest))
        if isFresh(record) { return ManifestResult(cached) }
        let head: UpstreamManifest
        do {
            head = try await upstreamManifest(repository, reference: tag.value, method: .head)
        } catch let error where error.allowsServingStale {
            logger.warning("serving cached tag: upstream failed", metadata: [
                "tag": "\(key)", "digest": "\(cached.digest)", "error": "\(error)",
            ])
            return ManifestResult(cached, staleWarning: "upstream \(upstreamName) unavailable; serving cached \(repository):\(tag)")
        } catch {
            throw error.registryError(notFound: .manifestUnknown)
        }
        if let digest = head.digest.flatMap(Digest.init), digest == cached.digest {
            try await storeAccess { () throws(StoreError) in try await store.touchTag(key, digest: digest) }
            return ManifestResult(cached)
        }
        return ManifestResult(try await fetchManifest(repository, reference: tag.value, expected: nil, tag: key))
    }

    /// Whether the upstream confirmed the tag recently enough to serve it without asking.
    private func isFresh(_ record: TagRecord) -> Bool {
        tagTTL > .zero && .seconds(now() - record.checkedAt) < tagTTL
    }

    /// GETs a manifest, checks it against `expected` (a digest reference) or the upstream's
    /// `Docker-Content-Digest` (a tag), stores it byte-exact and, for a tag, retags.
    private func fetchManifest(_ repository: RepositoryName, reference: String, expected: Digest?, tag: TagKey?) async throws(RegistryError) -> StoredManifest {
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
        _ = try await storeAccess { () throws(StoreError) in try await store.putManifest(manifest, tag: tag) }
        logger.info("cached manifest", metadata: ["repository": "\(repository)", "reference": "\(reference)", "digest": "\(computed)"])
        return manifest
    }

    /// One upstream request per repository, reference and method at a time, however many clients ask.
    private func upstreamManifest(_ repository: RepositoryName, reference: String, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest {
        let key = "\(method)\u{0}\(repository.value)\u{0}\(reference)"
        do {
            return try await manifestRequests.run(key) { [client] in
                try await client.manifest(repository: repository.value, reference: reference, method: method)
            }
        } catch let error as UpstreamError {
            throw error
        } catch {
            throw .unreachable(upstream: upstreamName, reason: "\(error)")
        }
    }

    // MARK: Blobs

    public func blob(_ repository: RepositoryName, _ digest: Digest) async throws(RegistryError) -> BlobResult {
        if let opened = try cachedBlob(digest) { return .stored(opened) }
        guard digest.isSHA256 else {
            throw RegistryError(.digestInvalid, "only sha256 blobs can be verified and cached, not \(digest.algorithm)")
        }
        let (start, starts) = blobFetches.withLock { running in
            if let existing = running[digest] { return (existing, false) }
            let start = Task { () async throws -> FetchStart in try await self.startFetch(repository, digest) }
            running[digest] = start
            return (start, true)
        }
        if starts { store.noteMiss() }
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
    private func startFetch(_ repository: RepositoryName, _ digest: Digest) async throws -> FetchStart {
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
                return .following(try BlobFetch.start(digest: digest, upstream: upstream, ingest: ingest, store: store, logger: logger, finished: forget))
            } catch {
                throw logged(error)
            }
        } catch {
            forget()
            throw error
        }
    }

    private func upstreamBlob(_ repository: RepositoryName, _ digest: Digest) async throws(RegistryError) -> UpstreamBlob {
        do {
            return try await client.blob(repository: repository.value, digest: digest.description)
        } catch {
            throw error.registryError(notFound: .blobUnknown)
        }
    }

    /// The blob's size for a `HEAD`: from the store, or asked of the upstream without downloading.
    public func blobSize(_ repository: RepositoryName, _ digest: Digest) async throws(RegistryError) -> Int64? {
        if let size = try cachedBlobSize(digest) { return size }
        if let start = blobFetches.withLock({ $0[digest] }), case .following(let fetch)? = try? await start.value, let size = fetch.size {
            return size
        }
        do {
            return try await client.blobSize(repository: repository.value, digest: digest.description)
        } catch {
            throw error.registryError(notFound: .blobUnknown)
        }
    }

    // MARK: Tags

    public func tags(_ repository: RepositoryName, query: String?) async throws(RegistryError) -> TagListing {
        let listing: UpstreamListing
        do {
            listing = try await client.tags(repository: repository.value, query: query)
        } catch {
            throw error.registryError(notFound: .nameUnknown)
        }
        return try TagListing(upstream: listing, repository: repository)
    }

    // MARK: Store access with errors mapped once

    private func storeRead<R>(_ body: () throws(StoreError) -> R) throws(RegistryError) -> R {
        do { return try body() } catch { throw logged(error) }
    }

    private func storeAccess<R>(_ body: () async throws(StoreError) -> R) async throws(RegistryError) -> R {
        do { return try await body() } catch { throw logged(error) }
    }

    private func logged(_ error: StoreError) -> RegistryError {
        logger.error("store failure", metadata: ["error": "\(error)"])
        return error.registryError
    }
}
