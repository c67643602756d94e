import Cache
import OCI
import OCILayout
import Store

/// `stowage export`: cached images written as an OCI image layout tar. Each image is routed as a
/// pull of it would be and walked in the store alone (`LocalImageSource`), so nothing is fetched
/// and every image must be wholly cached before a byte is written. The bundle holds each image's
/// manifest byte-exact, the cached children of an index, every blob, and an index.json naming each
/// image by its full reference. An existing file at the path is replaced whole (`ReplacedFile`).
public struct BundleExport {
    /// What a bundle holds.
    public struct Written: Sendable, Equatable {
        public let images: Int
        /// Distinct blobs and manifests.
        public let items: Int
        public let bytes: Int64
    }

    let cache: PullThroughCache
    let store: ContentStore

    /// Exports from `store`, routing references with `cache` (run with the configuration the store
    /// was filled with).
    public init(cache: PullThroughCache, store: ContentStore) {
        self.cache = cache
        self.store = store
    }

    public func write(_ images: [String], to path: String) async throws(BundleError) -> Written {
        let file = try ReplacedFile(path)
        var walked: [(target: ImageTarget, image: WalkedImage<Int64>)] = []
        var problems: [String] = []
        for image in images {
            do throws(RegistryError) {
                let target = try cache.target(for: image)
                walked.append((target, try await ImageWalk().run(target.reference, in: LocalImageSource(cache.local, target: target))))
            } catch {
                problems.append("\(image): \(error.message)")
            }
        }
        guard problems.isEmpty else { throw BundleError("cannot export:\n  " + problems.joined(separator: "\n  ")) }
        let written: Written
        do {
            written = try layout(walked, to: file.partialPath)
        } catch {
            file.discard()
            throw ReplacedFile.failure(path, "\(error)")
        }
        try file.replace()
        return written
    }

    private func layout(_ images: [(target: ImageTarget, image: WalkedImage<Int64>)], to path: String) throws(TarError) -> Written {
        let tar = try TarWriter(path: path)
        try tar.addFile(ImageLayout.layoutFileName, bytes: ImageLayout.layoutFileBytes)
        try tar.addDirectory(ImageLayout.blobsDirectory)
        try tar.addDirectory("\(ImageLayout.blobsDirectory)/sha256")
        var written = Set<Digest>()
        var bytes: Int64 = 0
        for (_, image) in images {
            for manifest in image.manifests where written.insert(manifest.digest).inserted {
                try tar.addFile(ImageLayout.blobPath(manifest.digest), bytes: manifest.bytes)
                bytes += Int64(manifest.size)
            }
            for (blob, size) in image.blobs where written.insert(blob.digest).inserted {
                // Leased: this process evicts nothing it is copying.
                let lease = store.leaseBlob(blob.digest)
                defer { lease.release() }
                try tar.addFile(ImageLayout.blobPath(blob.digest), copying: store.blobPath(blob.digest), size: size)
                bytes += size
            }
        }
        let index = LayoutIndex(manifests: images.map { target, image in
            LayoutDescriptor(mediaType: image.top.mediaType, digest: "\(image.top.digest)", size: Int64(image.top.size),
                             annotations: [
                                 ImageLayout.refNameAnnotation: target.name,
                                 ImageLayout.upstreamAnnotation: target.repository.upstream.name,
                                 ImageLayout.repositoryAnnotation: target.repository.name.value,
                             ])
        })
        try tar.addFile(ImageLayout.indexFileName, bytes: ImageLayout.encode(index))
        try tar.finish()
        return Written(images: images.count, items: written.count, bytes: bytes)
    }
}
