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
    /// free-space check made when the download began), with cached content to evict: the write
    /// that failed with ENOSPC is written again after eviction and the client gets the whole blob in
    /// one response.
    @Test func aFilesystemThatFillsDuringADownloadIsEvictedAndTheDownloadGoesOn() async throws {
        try await withFillingFilesystem(cachedFirst: ["good/app", "chunked/app", "redirect/app", "flip/app"]) {
            stowage, faulty, layer, download in
            let result = try #require(await download.value, "the download went on")
            #expect(result.status == 200)
            #expect(sha256(result.body) == layer.digest)
            #expect(stowage.log().contains("the filesystem filled up during a download"))
            #expect(stowage.log().contains("writing on"))
        }
    }

    /// The same with nothing to evict: the write fails with ENOSPC, the download's client is cut
    /// short (never a 200 passed off as whole), nothing half-written stays, and once there is room
    /// again the retry arrives whole.
    @Test func aFilesystemThatFillsDuringADownloadWithNothingToEvictCutsItsClientAndTheRetryArrivesWhole() async throws {
        try await withFillingFilesystem(cachedFirst: []) { stowage, faulty, layer, download in
            let cut = await download.value
            #expect(cut == nil || cut!.body.count < Int(layer.size), "a body that could not be written is never passed off as whole")
            #expect(stowage.log().contains("No space left on device"))
            try FileManager.default.removeItem(atPath: URL(fileURLWithPath: stowage.storage).deletingLastPathComponent().path + "/filler")
            let retried = try await HTTP.request(.GET, "\(stowage.url)/v2/slow/app/blobs/\(layer.digest)", timeout: .seconds(30))
            #expect(retried.status == 200)
            #expect(sha256(retried.body) == layer.digest)
        }
    }

    /// A store on a 16 MiB tmpfs holding the blobs of `cachedFirst` (repositories whose blobs the fake
    /// serves correctly), and a 1 MiB blob of slow/app being
    /// downloaded over 3 s when `dd` fills the filesystem a second in. `check` sees the download's
    /// outcome; then nothing half-written may stay and `verify` must be clean.
    private func withFillingFilesystem(cachedFirst: [String],
                                       check: (StowageServer, FaultyUpstream, SeededImage.Blob, Task<HTTPResult?, Never>) async throws -> Void) async throws {
        let faulty = try await FaultyUpstream.start(extra: ["--slow-seconds", "3"])
        defer { Task { await faulty.stop() } }
        let mountPoint = Paths.temporaryDirectory("full-fs")
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint])
        defer { _ = try? run("/bin/umount", ["-l", mountPoint]) }
        let storage = mountPoint + "/storage"
        let stowage = try await StowageServer.start(upstream: faulty.url, storage: storage, extra: ["--min-free-space", "1MiB"])
        for repository in cachedFirst {
            for blob in faulty.info.images.filter({ $0.repository == repository }).flatMap(\.blobs) {
                #expect(try await HTTP.get("\(stowage.url)/v2/\(repository)/blobs/\(blob.digest)").status == 200)
            }
        }
        // Finished downloads hold no descriptor on their files (their space is freed on eviction).
        #expect(await Self.openBlobFiles(of: stowage.pid, within: .seconds(1)) == [])
        let layer = faulty.image("slow/app").blobs.max { $0.size < $1.size }!
        let download = Task { try? await HTTP.request(.GET, "\(stowage.url)/v2/slow/app/blobs/\(layer.digest)", timeout: .seconds(30)) }
        try await Task.sleep(for: .seconds(1))  // a third of the body is in
        _ = try? run("/bin/dd", ["if=/dev/zero", "of=\(mountPoint)/filler", "bs=64k"])  // until ENOSPC
        try await check(stowage, faulty, layer, download)
        #expect(try FileManager.default.contentsOfDirectory(atPath: storage + "/ingest").isEmpty)
        await stowage.stop()
        let verify = try StowageCLI.run(["verify"], storage: storage)
        #expect(verify.status == 0, "\(verify.output)")
    }

    /// The blob and ingest files process `pid` still has open after `within` (polled).
    private static func openBlobFiles(of pid: Int32, within: Duration) async -> [String] {
        let deadline = ContinuousClock.now + within
        while true {
            let directory = "/proc/\(pid)/fd"
            let open = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)") }
                .filter { $0.contains("/blobs/") || $0.contains("/ingest/") }
            if open.isEmpty || ContinuousClock.now >= deadline { return open }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
