import OCI
import Store

/// An image from the store alone (`stowage export`), and the store's view of an image that
/// preseed compares a pull against. It reads `LocalContent` (the store, no upstream) for one
/// repository, so it fetches nothing by construction; it gives only content linked to the
/// repository (invariant 5), and an index's children that are not cached are left out.
public struct LocalImageSource: ImageSource, Sendable {
    let content: LocalContent
    let repository: RepositoryKey
    /// The image's full reference, for messages.
    let name: String

    public init(_ content: LocalContent, target: ImageTarget) {
        self.content = content
        repository = target.key
        name = target.name
    }

    public func manifest(_ reference: ManifestReference) throws(RegistryError) -> StoredManifest {
        let digest: Digest
        switch reference {
        case .digest(let value):
            digest = value
        case .tag(let tag):
            guard let record = try content.tag(TagKey(repository, tag: tag)) else {
                throw RegistryError(.manifestUnknown, "\(name) is not cached: preseed it first", status: 404)
            }
            digest = record.digest
        }
        guard let manifest = try linkedManifest(digest) else {
            throw RegistryError(.manifestUnknown, "\(name) (\(digest)) is not cached: preseed it first", status: 404)
        }
        return manifest
    }

    public func child(_ entry: ContentDescriptor) throws(RegistryError) -> StoredManifest? {
        try linkedManifest(entry.digest)
    }

    /// The size of the cached blob.
    public func blob(_ blob: ImageBlob) throws(RegistryError) -> Int64 {
        guard let size = try linkedBlobSize(blob.digest) else {
            throw RegistryError(.blobUnknown, "blob \(blob.digest) of \(name) is not cached: preseed the image first", status: 404)
        }
        return size
    }

    public func noChildren(of index: ManifestDocument, for platforms: [Platform]) -> RegistryError {
        RegistryError(.manifestUnknown, "\(name) is an index none of whose platforms is cached: preseed it first", status: 404)
    }

    // MARK: Lookups

    func linkedManifest(_ digest: Digest) throws(RegistryError) -> StoredManifest? {
        guard case .found(let manifest) = try content.manifest(digest, in: repository) else { return nil }
        return manifest
    }

    /// The size of a committed blob linked to the repository; nil when a pull would have to fetch or confirm it.
    func linkedBlobSize(_ digest: Digest) throws(RegistryError) -> Int64? {
        guard case .found(let record) = try content.blobRecord(digest, in: repository) else { return nil }
        return record.size
    }

    /// The digest the store holds for `reference` now, linked here or not: its tag's, or the
    /// digest itself when that manifest is stored. What preseed compares a pull's answer with.
    func storedDigest(_ reference: ManifestReference) throws(RegistryError) -> Digest? {
        switch reference {
        case .tag(let tag): try content.tag(TagKey(repository, tag: tag))?.digest
        case .digest(let digest): try content.anyManifest(digest) != nil ? digest : nil
        }
    }
}
