import AirGap
import ArgumentParser
import Cache
import Console
import Runtime

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
        let opened = options.open()
        let imported: BundleImport
        do {
            imported = try await BundleImport(StagedBundle.read(bundle, into: opened.store), name: name, cache: opened.cache)
            try await imported.record(pin: !noPin)
        } catch {
            await opened.close()
            fail("cannot import \(bundle): \(error)", status: 1)
        }
        await opened.close()
        for image in imported.images {
            print("imported \(image.target.name) (\(image.digest)): \(image.manifests) manifests, \(image.blobs) blobs, "
                  + "\(Formatting.bytes(image.bytes))\(noPin ? "" : ", pinned")")
        }
        print("imported \(imported.images.count) images from \(bundle)")
    }
}
