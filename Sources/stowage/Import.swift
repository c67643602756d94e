import ArgumentParser
import Cache
import Foundation
import OCI
import OCILayout
import Store

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an OCI image layout tar (from `stowage export` or skopeo's oci-archive:) into the cache.",
        discussion: """
            Every blob's digest is verified before anything is recorded: a corrupt or incomplete bundle is rejected, naming \
            the failing digest, and the cache is left as it was. Each image is named by its \
            org.opencontainers.image.ref.name annotation (a full reference such as registry.example.com/app/api:1.2) and \
            stored under the repository `serve` routes that reference to with this configuration; with no upstream \
            configured, under its path (app/api). Images are pinned unless --no-pin. Runs beside `serve`.
            """
    )

    @Argument(help: "The bundle, e.g. bundle.tar.")
    var bundle: String

    @Option(help: "Name for a bundle's only image when its index.json gives none (skopeo's oci-archive:FILE without :REFERENCE).")
    var name: String?

    @Flag(help: "Do not pin the imported images (eviction may then remove them).")
    var noPin = false

    @OptionGroup var options: CacheOptions

    func run() async throws {
        let opened = OpenedCache(options)
        do {
            let read = try await BundleReader.read(bundle, into: opened.store)
            let plan = try ImportPlan(read, name: name, cache: opened.cache)
            let summary = try await plan.commit(into: opened.store, pin: !noPin)
            await opened.close()
            for line in summary.lines { print(line) }
            print("imported \(summary.images) images from \(bundle)")
        } catch {
            await opened.close()
            fail("cannot import \(bundle): \(error)", status: 1)
        }
    }
}

/// A bundle read and verified: every blob in `ingest/` (verified, not yet committed) and the
/// small JSON ones (manifests) in memory too.
struct BundleReader {
    var index: LayoutIndex
    var ingests: [Digest: BlobIngest]
    var documents: [Digest: [UInt8]]

    /// Blobs this small that start like JSON are kept in memory as possible manifests.
    static let documentLimit = 4 << 20

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String, into store: ContentStore) async throws -> BundleReader {
        let tar = try TarReader(path: path)
        var indexBytes: [UInt8]?
        var hasLayout = false
        var ingests: [Digest: BlobIngest] = [:]
        var documents: [Digest: [UInt8]] = [:]
        while let entry = try tar.next() {
            guard entry.kind == .file else { continue }
            if entry.name == ImageLayout.indexFileName {
                guard entry.size <= 16 << 20 else { throw Failure(description: "its index.json is larger than 16 MiB") }
                indexBytes = try tar.read(maximum: Int(entry.size))
            } else if entry.name == ImageLayout.layoutFileName {
                hasLayout = true
            } else if let digest = ImageLayout.digest(atBlobPath: entry.name), ingests[digest] == nil {
                guard digest.isSHA256 else { throw Failure(description: "\(entry.name): only sha256 blobs can be verified") }
                guard let ingest = try await store.beginIngest(of: digest, expectedSize: entry.size) else {
                    throw Failure(description: "no room in the cache for \(digest) (\(humanBytes(entry.size))): raise storage.maxSize")
                }
                var document: [UInt8]? = entry.size <= documentLimit ? [] : nil
                while true {
                    let chunk = try tar.read(maximum: 1 << 20)
                    if chunk.isEmpty { break }
                    try chunk.withUnsafeBytes { try ingest.append($0) }
                    if document != nil { document! += chunk }
                    if document?.first.map({ $0 != UInt8(ascii: "{") }) ?? false { document = nil }
                }
                do {
                    try ingest.verify()
                } catch {
                    throw Failure(description: "corrupt bundle: \(entry.name) does not match its digest \(digest) (\(error))")
                }
                ingests[digest] = ingest
                if let document { documents[digest] = document }
            }
        }
        guard hasLayout else { throw Failure(description: "it is not an OCI image layout (no oci-layout file)") }
        guard let indexBytes else { throw Failure(description: "it is not an OCI image layout (no index.json)") }
        return BundleReader(index: try ImageLayout.decodeIndex(indexBytes), ingests: ingests, documents: documents)
    }
}

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
        let failure = BundleReader.Failure.init(description:)
        guard !bundle.index.manifests.isEmpty else { throw failure("its index.json lists no image") }
        if name != nil && bundle.index.manifests.count > 1 { throw failure("--name names one image, and it has \(bundle.index.manifests.count)") }
        var images: [Image] = []
        for (position, descriptor) in bundle.index.manifests.enumerated() {
            guard let reference = name ?? descriptor.refName else {
                throw failure("index.json entry \(position + 1) (\(descriptor.digest)) has no \(ImageLayout.refNameAnnotation): name it with --name")
            }
            let target: ImageTarget
            do {
                target = try cache.target(for: reference)
            } catch {
                throw failure("\(reference): \(error.message)")
            }
            guard let digest = Digest(descriptor.digest), let bytes = bundle.documents[digest] else {
                throw failure("it lacks the manifest \(descriptor.digest) of \(reference)")
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
                guard manifests.count > 1 else { throw failure("it holds none of the manifests the index of \(reference) lists") }
            }
            var blobs: [Digest] = []
            for manifest in imageManifests {
                for blob in ManifestReferences.parse(manifest.bytes)?.blobs ?? [] where !blobs.contains(blob) {
                    guard bundle.ingests[blob] != nil else { throw failure("it lacks the blob \(blob) of \(reference)") }
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
                    throw BundleReader.Failure(description: "no room in the cache for \(blob): raise storage.maxSize")
                }
            }
            try await store.link(image.blobs, to: image.target.key)
            for manifest in image.manifests.dropFirst() { try await store.putManifest(manifest, linkedTo: image.target.key) }
            try await store.putManifest(image.top, linkedTo: image.target.key, tag: image.target.tag.map { TagKey(image.target.key, tag: $0) })
            if pin { try await store.pin(image.top.digest, as: image.target.name) }
            let bytes = image.blobs.compactMap { try? store.blob($0)?.size }.reduce(0, +)
            lines.append("imported \(image.target.name) (\(image.top.digest)): \(image.manifests.count) manifests, \(image.blobs.count) blobs, \(humanBytes(bytes))\(pin ? ", pinned" : "")")
        }
        return (lines, images.count)
    }
}
