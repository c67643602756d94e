import OCI
import Store

/// The one walk of an image: its manifest, then for an index the children for the asked
/// platforms (all when none is asked), then the distinct blobs of every image manifest among
/// them, each asked of the source once. Preseed, check, export and import all walk this way;
/// what differs is the source (`ImageSource`).
///
/// Manifests come before blobs, one at a time, so a failure names the first part that failed
/// and `Progress` says how far the walk got. A nested index is not an image: it is kept as a
/// manifest, and its own children are out of scope. Only `ManifestDocument` reads the JSON.
public struct ImageWalk: Sendable {
    /// How far a walk got, also when it failed.
    public struct Progress: Sendable, Equatable {
        /// The digest of the image's own manifest, once the source gave it.
        public var top: Digest?
        /// Manifests given so far: the image's own and its children.
        public var manifests: Int
        /// Blobs the source answered for so far.
        public var blobs: Int

        public init(top: Digest? = nil, manifests: Int = 0, blobs: Int = 0) {
            self.top = top
            self.manifests = manifests
            self.blobs = blobs
        }
    }

    public let platforms: [Platform]

    public init(platforms: [Platform] = []) {
        self.platforms = platforms
    }

    /// Walks the image `reference` names in `source`, noting how far it got in `progress`.
    public func run<Source: ImageSource>(_ reference: ManifestReference, in source: Source,
                                         progress: inout Progress) async throws(Source.Failure) -> WalkedImage<Source.BlobAnswer> {
        let top = try await source.manifest(reference)
        progress.top = top.digest
        progress.manifests = 1
        var manifests = [top]
        var images: [(document: ManifestDocument, platform: Platform?)] = []
        switch ManifestDocument.parse(top.bytes) {
        case let index? where index.kind == .index:
            let chosen = index.children(for: platforms)
            guard !chosen.isEmpty else { throw source.noChildren(of: index, for: platforms) }
            for entry in chosen {
                guard let child = try await source.child(entry) else { continue }
                manifests.append(child)
                progress.manifests += 1
                if let document = ManifestDocument.parse(child.bytes), document.kind != .index {
                    images.append((document, entry.platform))
                }
            }
            guard manifests.count > 1 else { throw source.noChildren(of: index, for: platforms) }
        case let document?:
            images = [(document, nil)]
        case nil:
            break  // not JSON: an opaque manifest lists nothing to walk
        }
        var seen = Set<Digest>()
        var blobs: [(blob: ImageBlob, answer: Source.BlobAnswer)] = []
        for (document, platform) in images {
            for descriptor in document.blobs where seen.insert(descriptor.digest).inserted {
                let blob = ImageBlob(digest: descriptor.digest, size: descriptor.size, platform: platform)
                blobs.append((blob, try await source.blob(blob)))
                progress.blobs += 1
            }
        }
        return WalkedImage(manifests: manifests, blobs: blobs)
    }

    /// Walks the image `reference` names in `source`.
    public func run<Source: ImageSource>(_ reference: ManifestReference, in source: Source) async throws(Source.Failure) -> WalkedImage<Source.BlobAnswer> {
        var progress = Progress()
        return try await run(reference, in: source, progress: &progress)
    }
}
