import AirGap
import Cache
import Foundation
import Logging
import OCI
import Runtime
import Store
import StowageConfig
import Testing

/// Export and import in-process, between two stores with no upstream: what an import records (by
/// the pull's link, tag and pin rules) and how an export writes its file.
@Suite struct BundleRoundTripTests {
    static let reference = "registry.example.com/app/api:1.2"
    let repository = RepositoryKey(upstream: "local", repository: RepositoryName("app/api")!)

    /// A store and cache with no upstream configured, in a fresh directory.
    private func opened(_ label: String) throws -> OpenedCache {
        var overrides = ServeOverrides()
        overrides.storage = temporaryDirectory(label)
        let settings = try ServeSettings.resolve(file: ConfigFile(), overrides: overrides, environment: [:])
        return try OpenedCache(settings, role: .server, logger: Logger(label: "test"))
    }

    /// Caches `app/api:1.2` (a config and a layer) in `opened`'s store as a pull through the
    /// stand-in upstream would; returns its manifest.
    private func cacheImage(in opened: OpenedCache) async throws -> (manifest: StoredManifest, blobs: [Digest]) {
        var blobs: [(Digest, Int)] = []
        for text in [#"{"architecture":"amd64","os":"linux"}"#, String(repeating: "layer ", count: 4096)] {
            let bytes = Array(text.utf8)
            let digest = SHA256Hasher.digest(of: bytes)
            let ingest = try #require(try await opened.store.beginIngest(of: digest, expectedSize: Int64(bytes.count)))
            try bytes.withUnsafeBytes { try ingest.append($0) }
            #expect(try await opened.store.commit(ingest, linkedTo: repository))
            blobs.append((digest, bytes.count))
        }
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(blobs[0].0)","size":\#(blobs[0].1)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(blobs[1].0)","size":\#(blobs[1].1)}]}"#
        let manifest = StoredManifest(digest: SHA256Hasher.digest(of: Array(json.utf8)), mediaType: ManifestMediaType.ociManifest, bytes: Array(json.utf8))
        try await opened.store.putManifest(manifest, linkedTo: repository, tag: TagKey(repository, tag: Tag("1.2")!))
        return (manifest, blobs.map(\.0))
    }

    @Test func anImportRecordsTheImageAsAPullWouldLinkedTaggedAndPinned() async throws {
        let source = try opened("source")
        let (manifest, blobs) = try await cacheImage(in: source)
        let bundle = temporaryDirectory("bundle") + "/bundle.tar"
        let written = try await BundleExport(cache: source.cache, store: source.store).write([Self.reference], to: bundle)
        await source.close()
        #expect(written.images == 1 && written.items == 3, "the manifest, the config and the layer")
        #expect(written.bytes == Int64(manifest.bytes.count) + 37 + 4096 * 6)

        let target = try opened("target")
        let imported = try await BundleImport(StagedBundle.read(bundle, into: target.store), name: nil, cache: target.cache)
        #expect(imported.images.map(\.target.name) == [Self.reference])
        #expect(imported.images.map(\.digest) == [manifest.digest])
        try await imported.record(pin: true)

        let store = target.store
        #expect(try store.tag(TagKey(repository, tag: Tag("1.2")!))?.digest == manifest.digest)
        guard case .found(let stored) = try store.manifest(manifest.digest, in: repository) else {
            Issue.record("the manifest is not linked to app/api")
            return
        }
        #expect(stored == manifest, "stored byte-exact with its media type")
        let other = RepositoryKey(upstream: "local", repository: RepositoryName("app/other")!)
        for digest in blobs {
            guard case .found = try store.blob(digest, in: repository) else {
                Issue.record("blob \(digest) is not linked to app/api")
                continue
            }
            guard case .notLinked = try store.blob(digest, in: other) else {
                Issue.record("blob \(digest) is served to a repository no manifest linked it to")
                continue
            }
        }
        #expect(try store.pins().map(\.digest) == [manifest.digest])
        #expect(try store.pins().map(\.reference) == [Self.reference])
        await target.close()
    }

    @Test func anExportOfAnImageThatIsNotCachedNamesItAndWritesNothing() async throws {
        let source = try opened("uncached")
        defer { Task { await source.close() } }
        let directory = temporaryDirectory("uncached-bundle")
        let absent = "registry.example.com/app/absent:1"
        do {
            _ = try await BundleExport(cache: source.cache, store: source.store).write([absent], to: directory + "/bundle.tar")
            Issue.record("an uncached image was exported")
        } catch {
            #expect(error.description == "cannot export:\n  \(absent): \(absent) is not cached: preseed it first")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func anExportReplacesAFileAlreadyAtItsPathWhole() async throws {
        let source = try opened("replace")
        _ = try await cacheImage(in: source)
        let directory = temporaryDirectory("replace-bundle")
        let bundle = directory + "/bundle.tar"
        try Data("an older bundle".utf8).write(to: URL(fileURLWithPath: bundle))
        let export = BundleExport(cache: source.cache, store: source.store)
        _ = try await export.write([Self.reference], to: bundle)
        let first = try Data(contentsOf: URL(fileURLWithPath: bundle))
        _ = try await export.write([Self.reference], to: bundle)
        await source.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: bundle)) == first, "the same images give the same bytes")
        #expect(first.count % 512 == 0 && !first.starts(with: Data("an older".utf8)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["bundle.tar"])
    }

    @Test func anExportToAPathThatCannotBeAFileSaysWhy() async throws {
        let source = try opened("unwritable")
        defer { Task { await source.close() } }
        let directory = temporaryDirectory("unwritable-bundle")
        let export = BundleExport(cache: source.cache, store: source.store)
        for (path, reason) in [(directory + "/absent/bundle.tar", "the directory \(directory)/absent does not exist"),
                               (directory, "it is a directory")] {
            do {
                _ = try await export.write([Self.reference], to: path)
                Issue.record("\(path) was written")
            } catch {
                #expect(error.description == "cannot write \(path): \(reason)")
            }
        }
    }

    private func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-airgap-\(label)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
