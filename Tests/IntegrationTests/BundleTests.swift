import Foundation
import Testing

/// `stowage export` and `stowage import`: a cache carried across an air gap as an OCI image
/// layout tar, read and written by skopeo's `oci-archive:` too.
@Suite struct BundleTests {
    /// A store holding `images` (paths at the shared upstream), preseeded from it.
    private func preseeded(_ images: [String], platform: String? = nil) async throws -> (storage: String, upstream: UpstreamRegistry, host: String) {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let storage = Paths.temporaryDirectory("bundle-source")
        let (flags, environment) = StowageCLI.upstream(upstream.url)
        let result = try StowageCLI.run(["preseed"] + images.map { "\(host)/\($0)" } + (platform.map { ["--platform", $0] } ?? []) + flags,
                                        storage: storage, environment: environment)
        #expect(result.status == 0, "\(result.output)")
        return (storage, upstream, host)
    }

    /// `stowage export` with the configuration the store was preseeded with (it routes the same way).
    private func export(_ arguments: [String], _ storage: String, _ upstream: UpstreamRegistry) throws -> (status: Int32, output: String) {
        let (flags, environment) = StowageCLI.upstream(upstream.url)
        return try StowageCLI.run(["export"] + arguments + flags, storage: storage, environment: environment)
    }

    /// `stowage serve` with no upstream configured at all.
    private func serveOffline(_ storage: String) async throws -> StowageServer {
        try await StowageServer.start(config: "logLevel: debug\n", storage: storage)
    }

    @Test func anExportedBundleImportedIntoAnEmptyStoreIsServedWithNoUpstream() async throws {
        let (source, upstream, host) = try await preseeded(["app/oci:1.0", "app/multi:1.0", "charts/mychart:0.1.0"], platform: "linux/arm64")
        let bundle = Paths.temporaryDirectory("bundle") + "/bundle.tar"
        let exported = try export(["-o", bundle] + ["app/oci:1.0", "app/multi:1.0", "charts/mychart:0.1.0"].map { "\(host)/\($0)" }, source, upstream)
        #expect(exported.status == 0, "\(exported.output)")
        #expect(exported.output.hasPrefix("exported 3 images"), "\(exported.output)")

        let target = Paths.temporaryDirectory("bundle-target")
        let imported = try StowageCLI.run(["import", bundle], storage: target)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.contains("imported \(host)/app/multi:1.0 (\(upstream.images.named("app/multi").digest)): 2 manifests, 3 blobs"), "\(imported.output)")
        #expect(imported.output.hasSuffix("imported 3 images from \(bundle)\n"))

        let stowage = try await serveOffline(target)
        defer { Task { await stowage.stop() } }
        let oci = upstream.images.named("app/oci")
        #expect(try Skopeo.verify(try Skopeo.pull(stowage.host, "app/oci:1.0"), expecting: oci.blobs.map(\.digest)) == [])
        let chart = upstream.images.named("charts/mychart")
        #expect(try Skopeo.verify(try Skopeo.pull(stowage.host, "charts/mychart:0.1.0"), expecting: chart.blobs.map(\.digest)) == [])
        let arm64 = try #require(upstream.images.named("app/multi").children?.first { $0.platform == "linux/arm64" })
        let armDir = Paths.temporaryDirectory("bundle-arm64")
        try run("/usr/bin/skopeo", ["--override-arch", "arm64", "copy", "--src-tls-verify=false", "--retry-times", "0", "--src-no-creds",
                                    "docker://\(stowage.host)/app/multi:1.0", "dir:\(armDir)"])
        #expect(try Skopeo.verify(armDir, expecting: arm64.blobs.map(\.digest)) == [])

        let tags = try await HTTP.get("\(stowage.url)/v2/app/multi/tags/list")
        #expect(tags.status == 200 && tags.text == #"{"name":"app/multi","tags":["1.0"]}"#, "\(tags.text)")
        #expect(tags.header("Warning") == nil, "with no upstream the cached tags are the whole list")
        let missing = try await HTTP.get("\(stowage.url)/v2/app/absent/manifests/1.0")
        #expect(missing.status == 404)
        #expect(missing.text.contains(#""code":"MANIFEST_UNKNOWN""#), "\(missing.text)")
        let pinned = try StowageCLI.run(["ls"], storage: target).output
        #expect(pinned.split(separator: "\n").count == 3 && pinned.split(separator: "\n").allSatisfy { $0.hasPrefix("local/") && $0.hasSuffix(", pinned") }, "\(pinned)")
    }

    /// skopeo 1.9 (containers/image) reads OCI-typed manifests from a layout only, so this uses
    /// OCI images; Docker schema 2 manifests are exported byte-exact and only `stowage import` reads them.
    @Test func skopeoReadsAStowageBundleByFullReference() async throws {
        let (source, upstream, host) = try await preseeded(["app/oci:1.0", "app/multi:1.0"], platform: "linux/arm64")
        let bundle = Paths.temporaryDirectory("bundle-skopeo") + "/bundle.tar"
        let exported = try export(["-o", bundle, "\(host)/app/oci:1.0", "\(host)/app/multi:1.0"], source, upstream)
        #expect(exported.status == 0, "\(exported.output)")
        let ociDir = Paths.temporaryDirectory("skopeo-from-bundle")
        try run("/usr/bin/skopeo", ["copy", "oci-archive:\(bundle):\(host)/app/oci:1.0", "dir:\(ociDir)"])
        #expect(try Skopeo.verify(ociDir, expecting: upstream.images.named("app/oci").blobs.map(\.digest)) == [])
        let armDir = Paths.temporaryDirectory("skopeo-from-bundle-arm64")
        try run("/usr/bin/skopeo", ["--override-arch", "arm64", "copy", "oci-archive:\(bundle):\(host)/app/multi:1.0", "dir:\(armDir)"])
        let arm64 = try #require(upstream.images.named("app/multi").children?.first { $0.platform == "linux/arm64" })
        #expect(try Skopeo.verify(armDir, expecting: arm64.blobs.map(\.digest)) == [])
    }

    @Test func stowageImportsSkopeosArchive() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let host = upstream.url.replacingOccurrences(of: "http://", with: "")
        let archive = Paths.temporaryDirectory("skopeo-archive") + "/skopeo.tar"
        try run("/usr/bin/skopeo", ["copy", "--src-tls-verify=false", "--src-creds", "\(UpstreamRegistry.user):\(UpstreamRegistry.password)",
                                    "docker://\(host)/app/oci:1.0", "oci-archive:\(archive):\(host)/app/oci:1.0"])
        let target = Paths.temporaryDirectory("skopeo-import")
        let imported = try StowageCLI.run(["import", archive], storage: target)
        #expect(imported.status == 0, "\(imported.output)")
        let stowage = try await serveOffline(target)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        #expect(try Skopeo.verify(try Skopeo.pull(stowage.host, "app/oci:1.0"), expecting: image.blobs.map(\.digest)) == [])
    }

    @Test func aCorruptBundleIsRejectedNamingTheDigestAndTheStoreIsUnchanged() async throws {
        let (source, upstream, host) = try await preseeded(["app/oci:1.0", "charts/mychart:0.1.0"])
        let directory = Paths.temporaryDirectory("bundle-corrupt")
        let (good, bad) = (directory + "/chart.tar", directory + "/oci.tar")
        #expect(try export(["-o", good, "\(host)/charts/mychart:0.1.0"], source, upstream).status == 0)
        #expect(try export(["-o", bad + ".orig", "\(host)/app/oci:1.0"], source, upstream).status == 0)
        let layer = try #require(upstream.images.named("app/oci").blobs.last?.digest)
        let member = "blobs/sha256/" + layer.dropFirst("sha256:".count)
        try run("/usr/bin/env", ["python3", "-c", """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1]) as source, tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as out:
                for entry in source.getmembers():
                    data = source.extractfile(entry).read() if entry.isfile() else None
                    if entry.name == sys.argv[3]:
                        data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
                    out.addfile(entry, io.BytesIO(data) if data is not None else None)
            """, bad + ".orig", bad, member])

        let target = Paths.temporaryDirectory("bundle-corrupt-target")
        #expect(try StowageCLI.run(["import", good], storage: target).status == 0)
        let before = try snapshot(target)
        let rejected = try StowageCLI.run(["import", bad], storage: target)
        #expect(rejected.status == 1)
        #expect(rejected.output.contains("corrupt bundle: \(member) does not match its digest \(layer)"), "\(rejected.output)")
        #expect(try snapshot(target) == before, "nothing of the corrupt bundle was recorded or kept")
    }

    /// A second export to the same path replaces the first bundle whole (written beside it, then
    /// renamed over it): no raw framework error, nothing left beside it, and the new bundle imports.
    @Test func exportingOntoAnExistingBundleReplacesItWithTheNewOne() async throws {
        let (source, upstream, host) = try await preseeded(["app/oci:1.0", "charts/mychart:0.1.0"])
        let directory = Paths.temporaryDirectory("bundle-twice")
        let bundle = directory + "/bundle.tar"
        let first = try export(["-o", bundle, "\(host)/app/oci:1.0"], source, upstream)
        #expect(first.status == 0, "\(first.output)")
        let second = try export(["-o", bundle, "\(host)/charts/mychart:0.1.0"], source, upstream)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.output.hasPrefix("exported 1 images, ") && second.output.hasSuffix(" to \(bundle)\n"), "\(second.output)")

        let index = try run("/usr/bin/tar", ["-xOf", bundle, "index.json"])
        #expect(index.contains(#""org.opencontainers.image.ref.name":"\#(host)/charts/mychart:0.1.0""#), "\(index)")
        #expect(!index.contains("app/oci"), "the first bundle is gone: \(index)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["bundle.tar"], "no partial file is left beside it")

        let imported = try StowageCLI.run(["import", bundle], storage: Paths.temporaryDirectory("bundle-twice-target"))
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.hasSuffix("imported 1 images from \(bundle)\n"), "\(imported.output)")
        #expect(imported.output.contains("imported \(host)/charts/mychart:0.1.0 ("), "\(imported.output)")
    }

    @Test func exportingIntoADirectoryThatDoesNotExistFailsNamingThePath() async throws {
        let (source, upstream, host) = try await preseeded(["app/oci:1.0"])
        let missing = Paths.temporaryDirectory("bundle-nowhere") + "/absent"
        let bundle = missing + "/bundle.tar"
        let result = try export(["-o", bundle, "\(host)/app/oci:1.0"], source, upstream)
        #expect(result.status == 1)
        #expect(result.output == "stowage: cannot write \(bundle): the directory \(missing) does not exist\n")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    /// What a store holds: its tags (with pins) and its files.
    private func snapshot(_ storage: String) throws -> [String] {
        let tags = try StowageCLI.run(["ls"], storage: storage).output.split(separator: "\n").map { String($0.split(separator: " ").prefix(2).joined(separator: " ")) }
        let files = try FileManager.default.subpathsOfDirectory(atPath: storage).filter { !$0.hasPrefix("index") }.sorted()
        return tags + files
    }
}
