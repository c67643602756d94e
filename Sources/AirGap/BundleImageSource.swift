import Cache
import OCI
import OCILayout
import Store

/// One image of a staged bundle (`stowage import`), named by an entry of its index.json. It reads
/// only what the bundle holds, all of it verified while staging; an index's children the bundle
/// lacks (platforms not exported) are left out.
struct BundleImageSource: ImageSource {
    typealias Failure = BundleError

    let bundle: StagedBundle
    /// The index.json entry of the image.
    let entry: LayoutDescriptor
    /// The image's reference as the bundle or `--name` gives it, for messages.
    let reference: String

    func manifest(_ reference: ManifestReference) throws(BundleError) -> StoredManifest {
        guard case .digest(let digest) = reference, let bytes = bundle.documents[digest] else {
            throw BundleError("it lacks the manifest \(entry.digest) of \(self.reference)")
        }
        return StoredManifest(digest: digest, mediaType: entry.mediaType, bytes: bytes)
    }

    func child(_ entry: ContentDescriptor) -> StoredManifest? {
        guard let bytes = bundle.documents[entry.digest] else { return nil }
        let mediaType = entry.mediaType ?? ManifestDocument.parse(bytes)?.mediaType ?? ManifestMediaType.ociManifest
        return StoredManifest(digest: entry.digest, mediaType: mediaType, bytes: bytes)
    }

    /// The size of the verified download.
    func blob(_ blob: ImageBlob) throws(BundleError) -> Int64 {
        guard let ingest = bundle.ingests[blob.digest] else { throw BundleError("it lacks the blob \(blob.digest) of \(reference)") }
        return ingest.bytesWritten
    }

    func noChildren(of index: ManifestDocument, for platforms: [Platform]) -> BundleError {
        BundleError("it holds none of the manifests the index of \(reference) lists")
    }
}
