import Foundation
import OCI
import Store
import Testing

/// One upstream fetch per digest, however many clients ask and whenever they join; a failing fetch
/// cuts everyone and keeps nothing; the client that started it may leave.
@Suite(.serialized) struct SingleFlightTests {
    static let faulty = Task { try await FaultyUpstream.start(extra: ["--slow-seconds", "3"]) }

    /// A Stowage in front of the fault-injecting upstream, the largest blob of `repository`, its URL
    /// at Stowage, and how many times the upstream was asked for it so far.
    static func setUp(_ repository: String) async throws -> (FaultyUpstream, SeededImage.Blob, StowageServer, String, Int) {
        let faulty = try await Self.faulty.value
        let blob = faulty.image(repository).blobs.max { $0.size < $1.size }!
        let stowage = try await StowageServer.start(upstream: faulty.url)
        return (faulty, blob, stowage, "\(stowage.url)/v2/\(repository)/blobs/\(blob.digest)", try await faulty.fetches(containing: blob.digest))
    }

    @Test func clientsJoiningEarlyAndLateAllGetTheBlobFromOneUpstreamFetch() async throws {
        let (faulty, blob, stowage, url, before) = try await Self.setUp("slow/app")
        defer { Task { await stowage.stop() } }

        let early = (0..<8).map { _ in Task { try await HTTP.get(url) } }
        try await Task.sleep(for: .seconds(1))  // a third of the body has arrived
        let late = (0..<4).map { _ in Task { try await HTTP.get(url) } }
        for client in early + late {
            let result = try await client.value
            #expect(result.status == 200)
            #expect(result.header("Content-Length") == "\(blob.size)")
            #expect(sha256(result.body) == blob.digest)
        }
        #expect(try await faulty.fetches(containing: blob.digest) == before + 1, "twelve clients, one upstream GET")
        let hit = try await HTTP.get(url)
        #expect(sha256(hit.body) == blob.digest)
        #expect(try await faulty.fetches(containing: blob.digest) == before + 1)
    }

    @Test func aFetchFailingMidStreamCutsEveryClientAndKeepsNothing() async throws {
        let (faulty, blob, stowage, url, before) = try await Self.setUp("dropped/app")
        defer { Task { await stowage.stop() } }

        let clients = (0..<6).map { _ in Task { try? await HTTP.get(url) } }
        for client in clients {
            let result = await client.value
            #expect(result.map { sha256($0.body) != blob.digest } ?? true, "no client may get the whole blob")
        }
        #expect(try await faulty.fetches(containing: blob.digest) == before + 1)
        #expect(!FileManager.default.fileExists(atPath: stowage.storage.blobPath(blob.digest)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: stowage.storage + "/ingest").isEmpty)
    }

    @Test func theClientThatStartedTheFetchMayLeaveWithoutAbortingTheOthers() async throws {
        let (faulty, blob, stowage, url, before) = try await Self.setUp("slow/app")
        defer { Task { await stowage.stop() } }

        // curl starts the fetch and hangs up after half a second, mid-body.
        let starter = Process()
        starter.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        starter.arguments = ["-s", "-o", "/dev/null", "--max-time", "0.5", url]
        try starter.run()
        try await Task.sleep(for: .milliseconds(200))
        let follower = Task { try await HTTP.get(url) }
        starter.waitUntilExit()
        #expect(starter.terminationStatus == 28, "curl gave up mid-body (timeout)")
        let result = try await follower.value
        #expect(result.status == 200)
        #expect(sha256(result.body) == blob.digest)
        #expect(try await faulty.fetches(containing: blob.digest) == before + 1)
        #expect(FileManager.default.fileExists(atPath: stowage.storage.blobPath(blob.digest)), "the fetch was committed")
    }

    @Test func rangesAreServedOnAMissFromTheDownloadAndOnAHitFromTheFile() async throws {
        let (_, blob, stowage, url, _) = try await Self.setUp("slow/app")
        defer { Task { await stowage.stop() } }
        let size = Int(blob.size)

        // On a miss: the first request starts the fetch; the others follow it.
        let whole = Task { try await HTTP.get(url) }
        try await Task.sleep(for: .milliseconds(300))
        async let middle = HTTP.get(url, headers: [("Range", "bytes=100-199")])
        async let suffix = HTTP.get(url, headers: [("Range", "bytes=-10")])
        async let outside = HTTP.get(url, headers: [("Range", "bytes=\(size)-")])
        async let invalid = HTTP.get(url, headers: [("Range", "bytes=a-b")])
        let bytes = try await whole.value.body
        #expect(sha256(bytes) == blob.digest)
        try await expectRanges(middle: middle, suffix: suffix, outside: outside, invalid: invalid, bytes: bytes)

        // On a hit: the same answers from the committed file.
        try await expectRanges(middle: HTTP.get(url, headers: [("Range", "bytes=100-199")]),
                               suffix: HTTP.get(url, headers: [("Range", "bytes=-10")]),
                               outside: HTTP.get(url, headers: [("Range", "bytes=\(size)-")]),
                               invalid: HTTP.get(url, headers: [("Range", "bytes=a-b")]), bytes: bytes)
    }

    private func expectRanges(middle: HTTPResult, suffix: HTTPResult, outside: HTTPResult, invalid: HTTPResult, bytes: [UInt8]) throws {
        let size = bytes.count
        #expect(middle.status == 206)
        #expect(middle.header("Content-Range") == "bytes 100-199/\(size)")
        #expect(middle.body == Array(bytes[100...199]))
        #expect(suffix.status == 206)
        #expect(suffix.header("Content-Range") == "bytes \(size - 10)-\(size - 1)/\(size)")
        #expect(suffix.body == Array(bytes[(size - 10)...]))
        #expect(outside.status == 416)
        #expect(outside.header("Content-Range") == "bytes */\(size)")
        #expect(outside.errorCode == "RANGE_INVALID")
        #expect(invalid.status == 200, "a malformed Range is ignored")
        #expect(invalid.body == bytes)
        #expect(middle.header("Accept-Ranges") == "bytes")
    }
}
