import Cache
import Console
import Foundation
import OCI
import OCILayout
import Store

/// What an import records, checked in full before anything is: each image of the bundle's
/// index.json routed to its repository, with its manifests and blobs all present and verified.
struct ImportPlan {
    struct Image {
        let target: ImageTarget
        let top: StoredManifest
        /// `top` and the children of an index present in the bundle.
        let manifests: [StoredManifest]
        let blobs: [Digest]
    }

    let images: [Image]
    let bundle: BundleReader

    init(_ bundle: BundleReader, name: String?, cache: PullThroughCache) throws {
        self.bundle = bundle
        guard !bundle.index.manifests.isEmpty else { throw BundleError("its index.json lists no image") }
        if name != nil && bundle.index.manifests.count > 1 { throw BundleError("--name names one image, and it has \(bundle.index.manifests.count)") }
        var images: [Image] = []
        for (position, descriptor) in bundle.index.manifests.enumerated() {
            guard let reference = name ?? descriptor.refName else {
                throw BundleError("index.json entry \(position + 1) (\(descriptor.digest)) has no \(ImageLayout.refNameAnnotation): name it with --name")
            }
            let target: ImageTarget
            do {
                target = try cache.target(for: reference)
            } catch {
                throw BundleError("\(reference): \(error.message)")
            }
            guard let digest = Digest(descriptor.digest), let bytes = bundle.documents[digest] else {
                throw BundleError("it lacks the manifest \(descriptor.digest) of \(reference)")
            }
            let top = StoredManifest(digest: digest, mediaType: descriptor.mediaType, bytes: bytes)
            var manifests = [top]
            var imageManifests = [top]
            if let index = ImageIndex.parse(bytes) {
                imageManifests = []
                for entry in index.entries {
                    guard let child = bundle.documents[entry.digest] else { continue }  // a platform not exported
                    let manifest = StoredManifest(digest: entry.digest, mediaType: entry.mediaType ?? Self.mediaType(of: child), bytes: child)
                    manifests.append(manifest)
                    if ImageIndex.parse(child) == nil { imageManifests.append(manifest) }
                }
                guard manifests.count > 1 else { throw BundleError("it holds none of the manifests the index of \(reference) lists") }
            }
            var blobs: [Digest] = []
            for manifest in imageManifests {
                for blob in ManifestReferences.parse(manifest.bytes)?.blobs ?? [] where !blobs.contains(blob) {
                    guard bundle.ingests[blob] != nil else { throw BundleError("it lacks the blob \(blob) of \(reference)") }
                    blobs.append(blob)
                }
            }
            images.append(Image(target: target, top: top, manifests: manifests, blobs: blobs))
        }
        self.images = images
    }

    private static func mediaType(of manifest: [UInt8]) -> String {
        struct Typed: Decodable { let mediaType: String? }
        return (try? JSONDecoder().decode(Typed.self, from: Data(manifest)))?.mediaType ?? ManifestMediaType.ociManifest
    }

    /// Commits the blobs, then records each image's manifests, links, tag and pin.
    func commit(into store: ContentStore, pin: Bool) async throws -> (lines: [String], images: Int) {
        var committed = Set<Digest>()
        var lines: [String] = []
        for image in images {
            for blob in image.blobs where committed.insert(blob).inserted {
                guard try await store.commit(bundle.ingests[blob]!, linkedTo: image.target.key) else {
                    throw BundleError("no room in the cache for \(blob): raise storage.maxSize")
                }
            }
            try await store.link(image.blobs, to: image.target.key)
            for manifest in image.manifests.dropFirst() { try await store.putManifest(manifest, linkedTo: image.target.key) }
            try await store.putManifest(image.top, linkedTo: image.target.key, tag: image.target.tag.map { TagKey(image.target.key, tag: $0) })
            if pin { try await store.pin(image.top.digest, as: image.target.name) }
            let bytes = image.blobs.compactMap { try? store.blob($0)?.size }.reduce(0, +)
            lines.append("imported \(image.target.name) (\(image.top.digest)): \(image.manifests.count) manifests, \(image.blobs.count) blobs, \(Formatting.bytes(bytes))\(pin ? ", pinned" : "")")
        }
        return (lines, images.count)
    }
}
