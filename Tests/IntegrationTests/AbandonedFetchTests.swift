import Foundation
import Testing

/// A download every client has left is stopped at once when the rest is not worth fetching, and
/// leaves nothing behind.
@Suite struct AbandonedFetchTests {
    @Test func sixteenClientsLeavingAColdBlobAfterOneMiBAbandonItsFetchWithinTwoSeconds() async throws {
        let faulty = try await FaultyUpstream.start(extra: ["--huge-mib", "256", "--huge-rate-mib", "32"])
        let huge = try #require(faulty.info.huge)
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }

        var clients = try (0..<16).map { _ in try RawConnection(port: stowage.port) }
        for client in clients { try client.send("GET /v2/huge/app/blobs/\(huge.digest) HTTP/1.1\r\nHost: x\r\n\r\n") }
        for client in clients {
            var received = 0
            while received < (1 << 20) {
                let bytes = try client.receiveBytes()
                guard !bytes.isEmpty else { throw HarnessError("Stowage closed a client before 1 MiB") }
                received += bytes.count
            }
        }
        clients.removeAll()  // every client disconnects, with most of the blob unread
        let left = ContinuousClock.now

        var abandonedAfter: Duration?
        while abandonedAfter == nil, ContinuousClock.now - left < .seconds(5) {
            if stowage.log().contains("blob fetch abandoned") { abandonedAfter = ContinuousClock.now - left }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(abandonedAfter.map { $0 < .seconds(2) } == true, "abandoned \(abandonedAfter.map { "after \($0)" } ?? "never")")
        let ingest = stowage.storage + "/ingest"
        var leftovers = try FileManager.default.contentsOfDirectory(atPath: ingest)
        for _ in 0..<50 where !leftovers.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            leftovers = try FileManager.default.contentsOfDirectory(atPath: ingest)
        }
        #expect(leftovers.isEmpty, "ingest/ holds nothing after the fetch ended")
        #expect(!FileManager.default.fileExists(atPath: stowage.storage.blobPath(huge.digest)), "nothing committed")
        #expect(try await faulty.fetches(containing: huge.digest) == 1, "sixteen clients, one upstream GET")
    }
}
