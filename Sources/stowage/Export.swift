import ArgumentParser
import Cache
import Console
import Foundation
import OCI
import OCILayout
import Store

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write cached images to an OCI image layout tar, to carry across an air gap.",
        discussion: """
            Every image must be cached (preseed it first); nothing is fetched. The bundle holds each image's manifest, the \
            cached children of an index and all their blobs, and an index.json naming each image by its full reference in \
            org.opencontainers.image.ref.name. skopeo reads it as oci-archive:BUNDLE:REFERENCE; `stowage import` loads it. \
            The file appears only once complete.
            """
    )

    @OptionGroup var list: ImageList

    @Option(name: [.short, .customLong("output")], help: "The bundle to write, e.g. bundle.tar.")
    var output: String

    @OptionGroup var options: CacheOptions

    func run() async throws {
        let images = list.load()
        let opened = OpenedCache(options)
        var stored: [StoredImage] = []
        var problems: [String] = []
        for image in images {
            do {
                stored.append(try opened.cache.storedImage(opened.cache.target(for: image)))
            } catch {
                problems.append("\(image): \(error.message)")
            }
        }
        guard problems.isEmpty else {
            await opened.close()
            fail("cannot export:\n  " + problems.joined(separator: "\n  "), status: 1)
        }
        let partial = "\(output).partial-\(getpid())"
        var written = (blobs: 0, bytes: Int64(0))
        do {
            written = try write(stored, to: partial, store: opened.store)
            try FileManager.default.moveItem(atPath: partial, toPath: output)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            await opened.close()
            fail("cannot write \(output): \(error)", status: 1)
        }
        await opened.close()
        print("exported \(stored.count) images, \(written.blobs) blobs and manifests, \(Formatting.bytes(written.bytes)) to \(output)")
    }

    private func write(_ images: [StoredImage], to path: String, store: ContentStore) throws -> (blobs: Int, bytes: Int64) {
        let tar = try TarWriter(path: path)
        try tar.addFile(ImageLayout.layoutFileName, bytes: ImageLayout.layoutFileBytes)
        try tar.addDirectory(ImageLayout.blobsDirectory)
        try tar.addDirectory("\(ImageLayout.blobsDirectory)/sha256")
        var written = Set<Digest>()
        var bytes: Int64 = 0
        for image in images {
            for manifest in image.manifests where written.insert(manifest.digest).inserted {
                try tar.addFile(ImageLayout.blobPath(manifest.digest), bytes: manifest.bytes)
                bytes += Int64(manifest.bytes.count)
            }
            for blob in image.blobs where written.insert(blob.digest).inserted {
                // Leased: this process evicts nothing it is copying.
                try withExtendedLifetime(store.leaseBlob(blob.digest)) {
                    try tar.addFile(ImageLayout.blobPath(blob.digest), copying: store.blobPath(blob.digest), size: blob.size)
                }
                bytes += blob.size
            }
        }
        let index = LayoutIndex(manifests: images.map { image in
            LayoutDescriptor(mediaType: image.top.mediaType, digest: "\(image.top.digest)", size: Int64(image.top.bytes.count),
                             annotations: [ImageLayout.refNameAnnotation: image.target.name])
        })
        try tar.addFile(ImageLayout.indexFileName, bytes: ImageLayout.encode(index))
        try tar.finish()
        return (written.count, bytes)
    }
}
