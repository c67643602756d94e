import Cache
import OCI
import OCILayout
import Store

/// `stowage import`: the images of a staged bundle, recorded in the cache as pulls of them are.
/// Every image is routed and walked in full first (its manifests present, every blob verified),
/// so a bundle that lacks anything is rejected before the first record; then each is recorded
/// through `PullThroughCache.importImage` (the pull's link, tag and pin rules).
public struct BundleImport {
    /// One image of the bundle, checked and ready to record.
    public struct Image {
        public let target: ImageTarget
        let walked: WalkedImage<Int64>

        public var digest: Digest { walked.top.digest }
        public var manifests: Int { walked.manifests.count }
        public var blobs: Int { walked.blobs.count }
        /// What its blobs weigh.
        public var bytes: Int64 { walked.blobs.map(\.answer).reduce(0, +) }
    }

    public let images: [Image]
    let bundle: StagedBundle
    let cache: PullThroughCache

    /// Routes and walks every image of `bundle`: each named by its
    /// `org.opencontainers.image.ref.name`, or by `name` when the bundle has one image. An image a
    /// Stowage exported goes to the upstream it was cached from when one of that name is configured
    /// here (whatever its URL, or none), else where its reference routes.
    public init(_ bundle: StagedBundle, name: String?, cache: PullThroughCache) async throws(BundleError) {
        self.bundle = bundle
        self.cache = cache
        let entries = bundle.index.manifests
        guard !entries.isEmpty else { throw BundleError("its index.json lists no image") }
        if name != nil && entries.count > 1 { throw BundleError("--name names one image, and it has \(entries.count)") }
        var images: [Image] = []
        for (position, entry) in entries.enumerated() {
            guard let reference = name ?? entry.refName else {
                throw BundleError("index.json entry \(position + 1) (\(entry.digest)) has no \(ImageLayout.refNameAnnotation): name it with --name")
            }
            let target: ImageTarget
            do {
                target = try cache.target(for: reference, cachedAt: name == nil ? entry.stowageRouting : nil)
            } catch {
                throw BundleError("\(reference): \(error.message)")
            }
            guard let digest = Digest(entry.digest) else { throw BundleError("it lacks the manifest \(entry.digest) of \(reference)") }
            let source = BundleImageSource(bundle: bundle, entry: entry, reference: reference)
            let walked = try await ImageWalk().run(.digest(digest), in: source)
            images.append(Image(target: target, walked: walked))
        }
        self.images = images
    }

    /// Records every image, pinned when `pin` is set.
    public func record(pin: Bool) async throws(BundleError) {
        var committed = Set<Digest>()
        for image in images {
            let ingests = image.walked.blobs.map(\.blob.digest).filter { committed.insert($0).inserted }.compactMap { bundle.ingests[$0] }
            do {
                try await cache.importImage(image.target, manifests: image.walked.manifests, committing: ingests, pin: pin)
            } catch {
                throw BundleError(error.message)
            }
        }
    }
}
