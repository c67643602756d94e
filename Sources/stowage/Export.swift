import AirGap
import ArgumentParser
import Console
import Runtime

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write cached images to an OCI image layout tar, to carry across an air gap.",
        discussion: """
            Every image must be cached (preseed it first); nothing is fetched. The bundle holds each image's manifest, the \
            cached children of an index and all their blobs, and an index.json naming each image by its full reference in \
            org.opencontainers.image.ref.name. skopeo reads it as oci-archive:BUNDLE:REFERENCE; `stowage import` loads it. \
            The file appears only once complete, and replaces a file already at that path.
            """
    )

    @OptionGroup var list: ImageList

    @Option(name: [.short, .customLong("output")], help: "The bundle to write, e.g. bundle.tar.")
    var output: String

    @OptionGroup var options: CacheOptions

    func run() async throws {
        let images = list.load()
        let opened = options.open(existing: true)
        let written: BundleExport.Written
        do {
            written = try await BundleExport(cache: opened.cache, store: opened.store).write(images, to: output)
        } catch {
            await opened.close()
            fail(error.description, status: 1)
        }
        await opened.close()
        print("exported \(written.images) images, \(written.items) blobs and manifests, \(Formatting.bytes(written.bytes)) to \(output)")
    }
}
