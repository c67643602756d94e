/// What a manifest refers to, as digests: the child manifests of an index and the blobs (config,
/// layers, artifact blobs) of an image. The store's link and pin rules follow these so an image's
/// parts stay together. A view of `ManifestDocument` (the one parser), not a parser of its own.
public struct ManifestReferences: Sendable, Equatable {
    public let manifests: [Digest]
    public let blobs: [Digest]
    /// The sizes the descriptors give, by digest (schema 1 manifests give none).
    public let sizes: [Digest: Int64]

    public init(manifests: [Digest], blobs: [Digest], sizes: [Digest: Int64] = [:]) {
        self.manifests = manifests
        self.blobs = blobs
        self.sizes = sizes
    }

    /// The children and blobs of `document`; its `subject` is not among them (it points up).
    public init(_ document: ManifestDocument) {
        var sizes: [Digest: Int64] = [:]
        for descriptor in document.children + document.blobs {
            if let size = descriptor.size { sizes[descriptor.digest] = size }
        }
        self.init(manifests: document.children.map(\.digest), blobs: document.blobs.map(\.digest), sizes: sizes)
    }

    /// The references in a manifest's JSON, or nil when it is not a JSON object.
    public static func parse(_ bytes: [UInt8]) -> ManifestReferences? {
        ManifestDocument.parse(bytes).map(ManifestReferences.init)
    }
}
