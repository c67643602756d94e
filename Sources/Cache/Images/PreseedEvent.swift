import OCI

/// What `Preseeder` reports as it works, for a live display, log lines or JSON events. Images are
/// named as they were given.
public enum PreseedEvent: Sendable {
    /// Work on the image began.
    case started(image: String)
    /// Its manifests are cached; `bytes` is what its blobs weigh (by their descriptors), `cachedBytes`
    /// how much of that the cache already held.
    case resolved(image: String, digest: Digest, manifests: Int, blobs: Int, bytes: Int64, cachedBytes: Int64)
    /// More of one of its blobs arrived (`bytes` new bytes).
    case transferred(image: String, bytes: Int64)
    /// One of its blobs is cached: `fetched` false when it already was.
    case blobCached(image: String, digest: Digest, size: Int64, fetched: Bool)
    case finished(image: String, outcome: PreseedOutcome)
    case failed(image: String, error: RegistryError)
}

/// One image preseeded.
public struct PreseedOutcome: Sendable, Equatable {
    /// The full reference as the upstream knows it, and the digest it resolved to.
    public let name: String
    public let digest: Digest
    public let manifests: Int
    public let blobs: Int
    public let fetchedBlobs: Int
    public let fetchedBytes: Int64
    public let totalBytes: Int64
    public let seconds: Double
    /// Nothing had to be downloaded (a re-run).
    public let alreadyCached: Bool
}
