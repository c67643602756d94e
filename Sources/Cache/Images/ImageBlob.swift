import OCI

/// A blob an image lists, as a walk found it: once per image however many of its manifests list it.
public struct ImageBlob: Sendable, Equatable {
    public let digest: Digest
    /// The size the listing descriptor gives; nil when it gives none (schema 1).
    public let size: Int64?
    /// The platform of the index entry whose manifest listed it first; nil for an image that is
    /// not an index, and for entries that name no platform.
    public let platform: Platform?

    public init(digest: Digest, size: Int64?, platform: Platform?) {
        self.digest = digest
        self.size = size
        self.platform = platform
    }
}
