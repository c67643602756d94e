import OCI
import Store

/// An image through the pull-through cache (`stowage preseed`): each manifest is asked of the
/// cache's public `manifest`, so it is served from the store or fetched, verified and stored
/// exactly as on a pull. Blobs are only looked up here (their size when cached and linked, nil
/// when a pull would fetch them); the preseeder fetches the missing ones through `blob`.
final class PullThroughImageSource: ImageSource {
    let cache: PullThroughCache
    let repository: CacheRepository
    /// The store's view of the same repository, read before each manifest is asked for.
    let local: LocalImageSource
    /// Whether any manifest was not in the store before this walk asked for it.
    private(set) var fetchedManifests = false

    init(cache: PullThroughCache, target: ImageTarget) {
        self.cache = cache
        repository = target.repository
        local = LocalImageSource(cache.local, target: target)
    }

    func manifest(_ reference: ManifestReference) async throws(RegistryError) -> StoredManifest {
        let stored = try local.storedDigest(reference)
        let answer = try await cache.manifest(repository, reference)
        fetchedManifests = fetchedManifests || stored != answer.digest
        return StoredManifest(digest: answer.digest, mediaType: answer.mediaType, body: answer.body)
    }

    func child(_ entry: ContentDescriptor) async throws(RegistryError) -> StoredManifest? {
        try await manifest(.digest(entry.digest))
    }

    /// The blob's size when it is cached for this repository; nil when it must be fetched.
    func blob(_ blob: ImageBlob) throws(RegistryError) -> Int64? {
        try local.linkedBlobSize(blob.digest)
    }

    func noChildren(of index: ManifestDocument, for platforms: [Platform]) -> RegistryError {
        let available = index.childPlatforms.map(\.description).joined(separator: ", ")
        return RegistryError(.manifestUnknown, "\(local.name) has no manifest for \(platforms.map(\.description).joined(separator: ", ")) (it has \(available))",
                             status: 404)
    }
}
