import Foundation
import NIOHTTP1
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

    /// The filesystem filling up while a blob is written (another process took the space, past the
    /// free-space check made when the download began): the write fails with ENOSPC, the download's
    /// client is cut short (never a 200 passed off as whole), nothing half-written stays, and once
    /// there is room again the retry arrives whole.
    @Test func aFilesystemThatFillsDuringADownloadCutsItsClientAndTheRetryArrivesWhole() async throws {
        let faulty = try await FaultyUpstream.start(extra: ["--slow-seconds", "3"])
        defer { Task { await faulty.stop() } }
        let mountPoint = Paths.temporaryDirectory("full-fs")
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint])
        defer { _ = try? run("/bin/umount", ["-l", mountPoint]) }
        let storage = mountPoint + "/storage"
        let stowage = try await StowageServer.start(upstream: faulty.url, storage: storage, extra: ["--min-free-space", "1MiB"])
        let layer = faulty.image("slow/app").blobs.max { $0.size < $1.size }!
        let url = "\(stowage.url)/v2/slow/app/blobs/\(layer.digest)"

        let download = Task { try? await HTTP.request(.GET, url, timeout: .seconds(30)) }
        try await Task.sleep(for: .seconds(1))  // a third of the body is in
        let filler = mountPoint + "/filler"
        _ = try? run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"])  // until ENOSPC
        let cut = await download.value
        #expect(cut == nil || cut!.body.count < Int(layer.size), "a body that could not be written is never passed off as whole")
        #expect(stowage.log().contains("No space left on device"))

        try FileManager.default.removeItem(atPath: filler)
        let retried = try await HTTP.request(.GET, url, timeout: .seconds(30))
        #expect(retried.status == 200)
        #expect(sha256(retried.body) == layer.digest)
        #expect(try FileManager.default.contentsOfDirectory(atPath: storage + "/ingest").isEmpty)
        await stowage.stop()
        let verify = try StowageCLI.run(["verify"], storage: storage)
        #expect(verify.status == 0, "\(verify.output)")
    }
}
