import Foundation
import Testing

/// `stowage pin`, `ls`, `rm`, `stats` and `verify` against a running (or stopped) server's storage.
@Suite(.serialized) struct StoreCommandTests {
    static let names = (1...6).map { "pin/img-\($0)" }

    @Test func aPinnedImageSurvivesEvictionUntilItIsUnpinned() async throws {
        let upstream = try await UpstreamRegistry.start(auth: .none, sized: Self.names.map { ($0, 4 << 20) })
        defer { Task { await upstream.stop() } }
        let stowage = try await StowageServer.start(upstream: upstream.url, credentials: false, extra: ["--max-size", "15MiB"])
        defer { Task { await stowage.stop() } }
        func layer(_ number: Int) -> String { upstream.images.named("pin/img-\(number)").blobs.max { $0.size < $1.size }!.digest }
        func pull(_ number: Int) throws { try Skopeo.pull(stowage.host, "pin/img-\(number):1.0") }
        func cached() -> [Int] { (1...6).filter { FileManager.default.fileExists(atPath: stowage.storage.blobPath(layer($0))) } }

        try pull(1)
        let pinned = try StowageCLI.run(["pin", "pin/img-1:1.0"], storage: stowage.storage)
        #expect(pinned.status == 0)
        #expect(pinned.output.hasPrefix("pinned pin/img-1:1.0 (\(upstream.images.named("pin/img-1").digest)): 3 cached items"))
        #expect(try StowageCLI.run(["ls", "pin/img-1"], storage: stowage.storage).output.contains("pinned"))
        for number in 2...5 { try pull(number) }
        #expect(cached() == [1, 4, 5], "the pinned image stays; 2 and 3, least recently used, went")

        #expect(try StowageCLI.run(["unpin", "pin/img-1:1.0"], storage: stowage.storage).status == 0)
        try pull(6)
        #expect(cached() == [4, 5, 6])
    }

    @Test func pinningSomethingNotCachedIsAClearError() async throws {
        let storage = Paths.temporaryDirectory("pin-empty")
        await (try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url, storage: storage)).stop()  // an empty store
        let result = try StowageCLI.run(["pin", "app/oci:1.0"], storage: storage)
        #expect(result.status == 1)
        #expect(result.output == "stowage: app/oci:1.0 is not in the cache; pull it through Stowage first\n")
        #expect(try StowageCLI.run(["pin", "not a reference"], storage: storage).status == 2)
    }

    @Test func verifyNamesACorruptBlobAndRepairWaitsForTheServerToStop() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        let layer = upstream.images.named("app/oci").blobs.max { $0.size < $1.size }!
        let path = stowage.storage.blobPath(layer.digest)
        #expect(try StowageCLI.run(["verify"], storage: stowage.storage).status == 0)

        // Same size, other bytes: only hashing can tell.
        try Data(repeating: 0, count: Int(layer.size)).write(to: URL(fileURLWithPath: path))
        let found = try StowageCLI.run(["verify"], storage: stowage.storage)
        #expect(found.status == 1)
        #expect(found.output.contains("corrupt: blob \(layer.digest) does not match its record or digest"))
        #expect(found.output.contains("verify: 3 blobs (hashed), 1 manifests; 1 corrupt, 0 orphans, 0 missing, 0 index problems"))

        let refused = try StowageCLI.run(["verify", "--repair"], storage: stowage.storage)
        #expect(refused.status == 1)
        #expect(refused.output.contains("another stowage process is using this storage"))

        await stowage.stop()
        let repaired = try StowageCLI.run(["verify", "--repair"], storage: stowage.storage)
        #expect(repaired.status == 0, "\(repaired.output)")
        #expect(repaired.output.contains("repaired: 0 orphans adopted, 1 files removed"))
        #expect(try StowageCLI.run(["verify"], storage: stowage.storage).status == 0)

        // The next pull fetches the removed blob again, correctly.
        let restarted = try await StowageServer.start(upstream: upstream.url, storage: stowage.storage)
        defer { Task { await restarted.stop() } }
        let dir = try Skopeo.pull(restarted.host, "app/oci:1.0")
        #expect(try Skopeo.verify(dir, expecting: upstream.images.named("app/oci").blobs.map(\.digest)) == [])
    }

    @Test(arguments: [["stats"], ["ls"], ["verify"], ["export", "-o", "/dev/null", "app/oci:1.0"]])
    func aCommandThatReadsTheStoreRefusesOneThatIsNotThereAndCreatesNothing(_ command: [String]) throws {
        let storage = Paths.temporaryDirectory("missing") + "/not-here"

        let result = try StowageCLI.run(command, storage: storage)

        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("no store at \(storage): nothing has been cached there"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: storage))
    }

    @Test func whatLsPrintsIsAcceptedByLsPinAndUnpin() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        let line = try #require(try StowageCLI.run(["ls"], storage: stowage.storage).output.split(separator: "\n").first)
        let listed = String(line.prefix { $0 != " " })
        let repository = String(listed[..<listed.lastIndex(of: ":")!])
        #expect(listed.hasSuffix("/app/oci:1.0") && listed != "app/oci:1.0", "ls names the upstream: \(listed)")

        #expect(try StowageCLI.run(["ls", listed], storage: stowage.storage).output.hasPrefix(listed))
        #expect(try StowageCLI.run(["ls", repository], storage: stowage.storage).output.hasPrefix(listed))
        let pinned = try StowageCLI.run(["pin", listed], storage: stowage.storage)
        #expect(pinned.status == 0, "\(pinned.output)")
        #expect(pinned.output.hasPrefix("pinned \(listed) (\(upstream.images.named("app/oci").digest))"), "\(pinned.output)")
        #expect(try StowageCLI.run(["unpin", listed], storage: stowage.storage).status == 0)
    }

    /// `rm` beside a running server, with what `ls` prints: the image's content nothing else uses
    /// is deleted, `verify` finds no problems, and the next pull fetches it again through the server.
    @Test func rmBesideARunningServerLeavesAStoreVerifyFindsClean() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let oci = upstream.images.named("app/oci"), chart = upstream.images.named("charts/mychart")
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        try Skopeo.pull(stowage.host, "charts/mychart:0.1.0")
        let listed = try StowageCLI.run(["ls"], storage: stowage.storage).output.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
        let ociTag = try #require(listed.first { $0.hasSuffix("/app/oci:1.0") })

        let pinnedFirst = try StowageCLI.run(["pin", ociTag], storage: stowage.storage)
        #expect(pinnedFirst.status == 0)
        let refused = try StowageCLI.run(["rm", ociTag], storage: stowage.storage)
        #expect(refused.status == 1)
        #expect(refused.output == "stowage: cannot remove \(ociTag): \(ociTag) is pinned: `stowage unpin \(ociTag)` first\n", "\(refused.output)")
        #expect(try StowageCLI.run(["unpin", ociTag], storage: stowage.storage).status == 0)

        let removed = try StowageCLI.run(["rm", ociTag], storage: stowage.storage)
        #expect(removed.status == 0, "\(removed.output)")
        #expect(removed.output.hasPrefix("removed \(ociTag): 1 tag, \(oci.blobs.count + 1) items unlinked, \(oci.blobs.count + 1) deleted"), "\(removed.output)")
        for blob in oci.blobs { #expect(!FileManager.default.fileExists(atPath: stowage.storage.blobPath(blob.digest)), "\(blob.digest) deleted") }
        for blob in chart.blobs { #expect(FileManager.default.fileExists(atPath: stowage.storage.blobPath(blob.digest)), "\(blob.digest) kept") }
        #expect(try !StowageCLI.run(["ls"], storage: stowage.storage).output.contains(ociTag))

        let verified = try StowageCLI.run(["verify"], storage: stowage.storage)
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.hasSuffix("; 0 corrupt, 0 orphans, 0 missing, 0 index problems\n"), "\(verified.output)")

        let before = try upstream.accessLog().count
        #expect(try Skopeo.verify(try Skopeo.pull(stowage.host, "app/oci:1.0"), expecting: oci.blobs.map(\.digest)) == [])
        let fetched = try await upstream.requests(since: before, awaiting: oci.blobs.map { "GET /v2/app/oci/blobs/\($0.digest)" })
        #expect(oci.blobs.allSatisfy { blob in fetched.contains { $0.method == "GET" && $0.path == "/v2/app/oci/blobs/\(blob.digest)" } },
                "the removed image is fetched again: \(fetched.lines)")

        let repository = String(ociTag[..<ociTag.lastIndex(of: ":")!])
        let whole = try StowageCLI.run(["rm", repository], storage: stowage.storage)
        #expect(whole.status == 0 && whole.output.hasPrefix("removed \(repository): 1 tag,"), "\(whole.output)")
        let missing = try StowageCLI.run(["rm", repository], storage: stowage.storage)
        #expect(missing.status == 1)
        #expect(missing.output == "stowage: \(repository) is not in the cache (`stowage ls` lists what is)\n", "\(missing.output)")
        #expect(try StowageCLI.run(["verify"], storage: stowage.storage).status == 0)
    }
}
