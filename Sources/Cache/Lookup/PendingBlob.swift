import OCI

/// A blob request the store could not answer alone: not cached, or cached through another
/// repository only.
public struct PendingBlob: Sendable {
    let repository: CacheRepository
    let digest: Digest
    public let isCachedElsewhere: Bool
}
