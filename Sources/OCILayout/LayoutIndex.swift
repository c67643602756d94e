import OCI

/// The `index.json` of an OCI image layout: the manifests (images or indexes) the layout holds,
/// each tagged by its `org.opencontainers.image.ref.name` annotation.
public struct LayoutIndex: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    /// Optional in the spec; written as the OCI index type.
    public var mediaType: String?
    public var manifests: [LayoutDescriptor]
    public var annotations: [String: String]?

    public init(
        schemaVersion: Int = 2,
        mediaType: String? = ManifestMediaType.ociIndex,
        manifests: [LayoutDescriptor],
        annotations: [String: String]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }
}

/// One entry of a layout's `index.json`: the media type, digest and size of a manifest in the
/// layout's blobs, and its annotations. Other descriptor keys (`platform`, …) are not kept.
public struct LayoutDescriptor: Codable, Sendable, Equatable {
    public var mediaType: String
    /// `algorithm:encoded`; `ImageLayout.decodeIndex` accepts only valid digests.
    public var digest: String
    public var size: Int64
    public var annotations: [String: String]?

    public init(mediaType: String, digest: String, size: Int64, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
    }

    /// The `org.opencontainers.image.ref.name` annotation: the tag (or full reference) it is known by.
    public var refName: String? { annotations?[ImageLayout.refNameAnnotation] }

    /// Where Stowage cached it, when a Stowage exported it: the upstream's name and the repository there.
    public var stowageRouting: (upstream: String, repository: String)? {
        guard let upstream = annotations?[ImageLayout.upstreamAnnotation], let repository = annotations?[ImageLayout.repositoryAnnotation] else {
            return nil
        }
        return (upstream, repository)
    }
}
