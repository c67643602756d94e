import OCI
import Store

/// An image as the store holds it for one repository (what `stowage export` writes): the
/// manifest the reference names, the cached children of an index, and every blob they list.
public struct StoredImage: Sendable {
    public let target: ImageTarget
    public let top: StoredManifest
    /// `top` and the children of an index that are cached (an index preseeded for some platforms
    /// has only those).
    public let manifests: [StoredManifest]
    public let blobs: [(digest: Digest, size: Int64)]
}

extension PullThroughCache {
    /// The image from the store alone; throws naming what is missing when it is not all cached.
    public func storedImage(_ target: ImageTarget) throws(RegistryError) -> StoredImage {
        let key = target.key
        let digest: Digest
        switch target.reference {
        case .digest(let value):
            digest = value
        case .tag(let tag):
            guard let record = try storeRead({ () throws(StoreError) in try store.tag(TagKey(key, tag: tag)) }) else {
                throw RegistryError(.manifestUnknown, "\(target.name) is not cached: preseed it first", status: 404)
            }
            digest = record.digest
        }
        let top = try linkedManifest(digest, key, what: target.name)
        var manifests = [top]
        var images = [top]
        if let index = ImageIndex.parse(top.bytes) {
            images = []
            for entry in index.entries {
                guard case .found(let child) = try storeRead({ () throws(StoreError) in try store.manifest(entry.digest, in: key) }) else { continue }
                manifests.append(child)
                if ImageIndex.parse(child.bytes) == nil { images.append(child) }
            }
            guard manifests.count > 1 else {
                throw RegistryError(.manifestUnknown, "\(target.name) is an index none of whose platforms is cached: preseed it first", status: 404)
            }
        }
        var blobs: [(digest: Digest, size: Int64)] = []
        var seen = Set<Digest>()
        for image in images {
            for blob in ManifestReferences.parse(image.bytes)?.blobs ?? [] where seen.insert(blob).inserted {
                guard case .found(let record) = try storeRead({ () throws(StoreError) in try store.blob(blob, in: key) }) else {
                    throw RegistryError(.blobUnknown, "blob \(blob) of \(target.name) is not cached: preseed the image first", status: 404)
                }
                blobs.append((blob, record.size))
            }
        }
        return StoredImage(target: target, top: top, manifests: manifests, blobs: blobs)
    }

    private func linkedManifest(_ digest: Digest, _ key: RepositoryKey, what: String) throws(RegistryError) -> StoredManifest {
        guard case .found(let manifest) = try storeRead({ () throws(StoreError) in try store.manifest(digest, in: key) }) else {
            throw RegistryError(.manifestUnknown, "\(what) (\(digest)) is not cached: preseed it first", status: 404)
        }
        return manifest
    }
}
