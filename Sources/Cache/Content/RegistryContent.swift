import OCI

/// Content in registry terms: what a registry answers for a repository's manifests and blobs.
/// The HTTP front asks one of these and never learns whether it is a cache (distribution's shape):
/// `LocalContent` is the store alone, `UpstreamContent` the repository's upstream alone, and
/// `PullThroughCache` the decorator over both. See README.md beside this file.
public protocol RegistryContent: Sendable {
    /// The manifest `reference` names in the repository; 404 `MANIFEST_UNKNOWN` when there is none.
    func manifest(_ repository: CacheRepository, _ reference: ManifestReference) async throws(RegistryError) -> ManifestResult

    /// The blob's size (a `HEAD`), nil when it is not known; 404 `BLOB_UNKNOWN` when there is none.
    func blobSize(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> Int64?

    /// The blob's bytes; 404 `BLOB_UNKNOWN` when there is none.
    func blob(_ repository: CacheRepository, _ digest: Digest) async throws(RegistryError) -> BlobResult
}
