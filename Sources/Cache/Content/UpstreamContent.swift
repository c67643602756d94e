import Logging
import OCI
import Store
import Upstream

/// A repository's upstream alone, in registry terms. It holds no store, so it stores nothing by
/// construction. Manifests go through the upstream's single-flight `manifestRequests` and are
/// verified here (the one place a fetched manifest's digest is checked, invariant 2); a blob is
/// a pass-through that verifies as it streams.
public struct UpstreamContent: RegistryContent {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    // MARK: RegistryContent

    public func manifest(_ repository: CacheRepository, _ reference: ManifestReference) async throws(RegistryError) -> ManifestResult {
        ManifestResult(try await verifiedManifest(repository, reference))
    }

    public func blobSize(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> Int64? {
        do {
            return try await headBlob(repository, digest)
        } catch {
            throw error.registryError(notFound: .blobUnknown, in: repository)
        }
    }

    public func blob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> BlobResult {
        .passThrough(BlobPassThrough(upstream: try await upstreamBlob(repository, digest), digest: digest, logger: logger))
    }

    // MARK: Manifests

    /// Why a manifest could not be fetched, in the upstream's terms: the cache and `stowage check`
    /// each say it in their own.
    enum ManifestFailure: Error {
        case upstream(UpstreamError)
        case withoutBody
        case mismatch(ManifestDigestMismatch)
        /// A 200 whose body is not a manifest (not even a JSON object): a captive portal's or a
        /// misrouted proxy's HTML page, say. Never stored, never counted as a pullable image.
        case notAManifest(mediaType: String)

        /// What came instead of a manifest, for messages: its media type, or that it named none.
        static func whatCame(_ mediaType: String) -> String { mediaType.isEmpty ? "no Content-Type" : String(mediaType.prefix(100)) }
    }

    /// GETs the manifest and checks it against the digest the reference names, or (a tag) the
    /// upstream's `Docker-Content-Digest`: exact bytes, not stored.
    func fetch(_ repository: CacheRepository, _ reference: ManifestReference) async throws(ManifestFailure) -> StoredManifest {
        let response: UpstreamManifest
        do {
            response = try await request(repository, reference, method: .get)
        } catch {
            throw .upstream(error)
        }
        guard let bytes = response.bytes else { throw .withoutBody }
        let expected: Digest? = if case .digest(let digest) = reference { digest } else { nil }
        let digest: Digest
        do {
            digest = try response.verifiedDigest(expected: expected)
        } catch {
            throw .mismatch(error)
        }
        guard ManifestDocument.parse(bytes) != nil else { throw .notAManifest(mediaType: response.mediaType) }
        return StoredManifest(digest: digest, mediaType: response.mediaType, bytes: bytes)
    }

    /// `fetch`, its failures as a client of the cache sees them.
    func verifiedManifest(_ repository: CacheRepository, _ reference: ManifestReference) async throws(RegistryError) -> StoredManifest {
        let upstreamName = repository.upstream.name
        do {
            return try await fetch(repository, reference)
        } catch {
            switch error {
            case .upstream(let error):
                throw error.registryError(notFound: .manifestUnknown, in: repository)
            case .withoutBody:
                throw RegistryError(.unknown, "upstream \(upstreamName) sent a manifest without a body", status: 502)
            case .notAManifest(let mediaType):
                throw RegistryError(.unknown, "upstream \(upstreamName) answered with something that is not a manifest "
                    + "(\(ManifestFailure.whatCame(mediaType))); is its URL the registry's?", status: 502)
            case .mismatch(let mismatch):
                logger.error("manifest digest mismatch", metadata: [
                    "repository": "\(repository)", "reference": "\(reference)", "expected": "\(mismatch.claimed)", "actual": "\(mismatch.computed)",
                ])
                throw RegistryError(.unknown, "upstream \(upstreamName) sent a manifest that does not match \(mismatch.claimed)", status: 502)
            }
        }
    }

    /// A `HEAD` for the manifest: its digest and media type, no body.
    func head(_ repository: CacheRepository, _ reference: ManifestReference) async throws(UpstreamError) -> UpstreamManifest {
        try await request(repository, reference, method: .head)
    }

    /// One upstream request per repository, reference and method at a time, however many clients ask.
    private func request(_ repository: CacheRepository, _ reference: ManifestReference, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest {
        let (upstream, name, reference) = (repository.upstream, repository.name, reference.description)
        do {
            return try await upstream.manifestRequests.run("\(method)\u{0}\(name.value)\u{0}\(reference)") {
                try await upstream.registry.manifest(repository: name.value, reference: reference, method: method)
            }
        } catch let error as UpstreamError {
            throw noted(error, repository)
        } catch {
            throw .unreachable(upstream: upstream.name, reason: "\(error)")
        }
    }

    /// `error`, after a warning (once a minute per upstream) when it says the upstream refused the
    /// configured credentials: a client sees a clear 401 or 403, and the operator must too.
    private func noted(_ error: UpstreamError, _ repository: CacheRepository) -> UpstreamError {
        if error.refusesCredentials, repository.upstream.refusalWarning.claim() {
            logger.warning("upstream refused the configured credentials (logged once a minute)",
                           metadata: repository.logMetadata(["error": "\(error)"]))
        }
        return error
    }

    // MARK: Blobs

    /// The blob's response, its body still streaming (nothing verified yet).
    func upstreamBlob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> UpstreamBlob {
        do {
            return try await repository.upstream.registry.blob(repository: repository.name.value, digest: digest.description)
        } catch {
            throw noted(error, repository).registryError(notFound: .blobUnknown, in: repository)
        }
    }

    /// A `HEAD` for the blob: its size when the upstream gives one, nothing downloaded.
    func headBlob(_ repository: CacheRepository, _ digest: Digest) async throws(UpstreamError) -> Int64? {
        do {
            return try await repository.upstream.registry.blobSize(repository: repository.name.value, digest: digest.description)
        } catch {
            throw noted(error, repository)
        }
    }
}
