/// A descriptor as a manifest lists it: the digest of the content it points at, and what the
/// manifest says of it. An index's entries carry a platform; an image's config and layers do not.
public struct ContentDescriptor: Sendable, Equatable {
    public let digest: Digest
    public let mediaType: String?
    /// Nil when the manifest gives none (schema 1 layers) or gives a negative one.
    public let size: Int64?
    /// Nil for entries that name no platform (attestations, artifacts) and for blobs.
    public let platform: Platform?

    public init(digest: Digest, mediaType: String? = nil, size: Int64? = nil, platform: Platform? = nil) {
        self.digest = digest
        self.mediaType = mediaType
        self.size = size.flatMap { $0 >= 0 ? $0 : nil }
        self.platform = platform
    }
}
