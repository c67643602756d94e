import Foundation
import Testing

/// A filesystem smaller than the budget (40 MiB of tmpfs under `--max-size 200MiB`): Stowage watches
/// the real free space (`--min-free-space`), evicts or streams without keeping, and every pull gets
/// whole, correct bytes: never a truncated 200. Needs root (it mounts the tmpfs), as the suite runs.
@Suite(.serialized) struct SmallFilesystemTests {
    @Test func tenColdPullsOfNineMegabyteImagesOnAFortyMegabyteFilesystemAllArriveWhole() async throws {
        let names = (0..<10).map { "small/image\($0)" }
        let upstream = try await UpstreamRegistry.start(auth: .htpasswd, sized: names.map { ($0, 9 << 20) })
        defer { Task { await upstream.stop() } }
        let mountPoint = Paths.temporaryDirectory("small-fs")
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=40m", "tmpfs", mountPoint])
        defer { _ = try? run("/bin/umount", ["-l", mountPoint]) }
        let storage = mountPoint + "/storage"
        let stowage = try await StowageServer.start(upstream: upstream.url, storage: storage,
                                                    extra: ["--max-size", "200MiB", "--min-free-space", "4MiB", "--log-level", "info"])
        for name in names {
            let image = upstream.images.named(name)
            let pulled = try Skopeo.pull(stowage.host, "\(name):\(image.tag)")
            #expect(try Skopeo.verify(pulled, expecting: image.blobs.map(\.digest)) == [], "\(name)")
            try? FileManager.default.removeItem(atPath: pulled)
        }
        await stowage.stop()
        let verify = try StowageCLI.run(["verify"], storage: storage)
        #expect(verify.status == 0, "\(verify.output)")
        let stats = try StowageCLI.stats(storage: storage)
        #expect(stats.evictions + stats.uncachedForSpace > 0, "the filesystem, not the budget, made room: \(stats)")
        print("40 MiB filesystem, 10 cold pulls of 9 MiB images: \(stats.evictions) evictions, \(stats.uncachedForSpace) not kept, \(stats.bytesUsed) bytes kept")
    }
}
