import OCI
import Store

/// An image as a walk found it in one source.
public struct WalkedImage<BlobAnswer> {
    /// The image's own manifest first, then the children the source gave, in index order.
    public let manifests: [StoredManifest]
    /// Each distinct blob of the image, in the order its manifests list them, with the source's answer.
    public let blobs: [(blob: ImageBlob, answer: BlobAnswer)]

    /// The image's own manifest.
    public var top: StoredManifest { manifests[0] }
}

extension WalkedImage: Sendable where BlobAnswer: Sendable {}
