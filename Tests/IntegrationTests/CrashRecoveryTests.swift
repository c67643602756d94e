import Foundation
import Testing

/// A process killed in the middle of a blob download never serves the partial blob.
@Suite struct CrashRecoveryTests {
    @Test func killedMidDownloadRestartsWithACleanIngestAndRefetchesTheBlob() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let blob = faulty.image("slow/app").blobs.max { $0.size < $1.size }!
        let stowage = try await StowageServer.start(upstream: faulty.url)
        let url = "\(stowage.url)/v2/slow/app/blobs/\(blob.digest)"
        let download = Task { try? await HTTP.get(url) }

        // Wait until the trickling body has started landing in ingest/.
        let ingest = stowage.storage + "/ingest"
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? FileManager.default.contentsOfDirectory(atPath: ingest))?.isEmpty ?? true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try !FileManager.default.contentsOfDirectory(atPath: ingest).isEmpty, "the download should be in flight")
        await stowage.kill9()
        _ = await download.value

        let restarted = try await StowageServer.start(upstream: faulty.url, storage: stowage.storage)
        defer { Task { await restarted.stop() } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: ingest).isEmpty)
        let before = try await faulty.fetches(containing: "/v2/slow/app/blobs/")
        let result = try await HTTP.get("\(restarted.url)/v2/slow/app/blobs/\(blob.digest)")
        #expect(result.status == 200)
        #expect(result.body.count == Int(blob.size))
        #expect(try await faulty.fetches(containing: "/v2/slow/app/blobs/") == before + 1, "the partial blob must not have been kept")
    }
}
