import Cache
import OCI
import Store
import Testing

/// The one image walk, over an in-memory source that records what it was asked.
@Suite struct ImageWalkTests {
    let config = FakeSource.digest(1)
    let layer = FakeSource.digest(2)
    let shared = FakeSource.digest(3)

    private func image(config: Digest, layers: [Digest], size: Int64 = 10) -> String {
        let layerList = layers.map { #"{"digest":"\#($0)","size":\#(size)}"# }.joined(separator: ",")
        return #"{"schemaVersion":2,"config":{"digest":"\#(config)","size":1},"layers":[\#(layerList)]}"#
    }

    private func index(_ children: [(Digest, String?)]) -> String {
        let entries = children.map { digest, platform in
            let parts = platform?.split(separator: "/").map(String.init) ?? []
            let platformJSON = parts.isEmpty ? "" : #","platform":{"os":"\#(parts[0])","architecture":"\#(parts[1])"}"#
            return #"{"digest":"\#(digest)","size":5\#(platformJSON)}"#
        }
        return #"{"schemaVersion":2,"manifests":[\#(entries.joined(separator: ","))]}"#
    }

    /// An index of an amd64 and an arm64 image sharing a layer, and an attestation with no platform.
    private func multiPlatform() -> (FakeSource, amd64: Digest, arm64: Digest, attestation: Digest) {
        let source = FakeSource()
        let amd64 = source.add(image(config: FakeSource.digest(10), layers: [shared, FakeSource.digest(11)]))
        let arm64 = source.add(image(config: FakeSource.digest(20), layers: [shared, FakeSource.digest(21)]))
        let attestation = source.add(image(config: FakeSource.digest(30), layers: []))
        source.tags["1.0"] = source.add(index([(amd64, "linux/amd64"), (arm64, "linux/arm64"), (attestation, nil)]))
        return (source, amd64, arm64, attestation)
    }

    @Test func anImageManifestWalksToItsDistinctBlobsInOrder() async throws {
        let source = FakeSource()
        source.tags["1.0"] = source.add(image(config: config, layers: [layer, shared, layer]))
        var progress = ImageWalk.Progress()
        let walked = try await ImageWalk().run(.tag(Tag("1.0")!), in: source, progress: &progress)
        #expect(walked.manifests.map(\.digest) == [source.tags["1.0"]!])
        #expect(walked.blobs.map(\.blob) == [ImageBlob(digest: config, size: 1, platform: nil), ImageBlob(digest: layer, size: 10, platform: nil),
                                             ImageBlob(digest: shared, size: 10, platform: nil)])
        #expect(source.blobsAsked == [config, layer, shared], "each blob asked once")
        #expect(progress == ImageWalk.Progress(top: source.tags["1.0"], manifests: 1, blobs: 3))
    }

    @Test func anIndexWalksOnlyTheAskedPlatformsChildren() async throws {
        let (source, _, arm64, _) = multiPlatform()
        let walked = try await ImageWalk(platforms: [Platform("linux/arm64")!]).run(.tag(Tag("1.0")!), in: source)
        #expect(walked.manifests.map(\.digest) == [source.tags["1.0"]!, arm64])
        #expect(source.childrenAsked == [arm64])
        #expect(walked.blobs.map(\.blob.digest) == [FakeSource.digest(20), shared, FakeSource.digest(21)])
        #expect(walked.blobs.allSatisfy { $0.blob.platform == Platform("linux/arm64") })
    }

    @Test func noPlatformsWalksEveryChildAndABlobSharedByTwoIsAskedOnceUnderTheFirst() async throws {
        let (source, amd64, arm64, attestation) = multiPlatform()
        let walked = try await ImageWalk().run(.tag(Tag("1.0")!), in: source)
        #expect(source.childrenAsked == [amd64, arm64, attestation])
        #expect(walked.manifests.count == 4)
        #expect(walked.blobs.map(\.blob.digest) == [FakeSource.digest(10), shared, FakeSource.digest(11), FakeSource.digest(20),
                                                    FakeSource.digest(21), FakeSource.digest(30)])
        #expect(walked.blobs.first { $0.blob.digest == shared }?.blob.platform == Platform("linux/amd64"))
        #expect(walked.blobs.last?.blob.platform == nil, "the attestation names no platform")
    }

    @Test func anIndexWithNoChildForThePlatformsFailsBeforeAskingForAny() async {
        let (source, _, _, _) = multiPlatform()
        var progress = ImageWalk.Progress()
        await #expect(throws: FakeSource.Failure.noChildren(platforms: "linux/s390x", available: "linux/amd64, linux/arm64")) {
            try await ImageWalk(platforms: [Platform("linux/s390x")!]).run(.tag(Tag("1.0")!), in: source, progress: &progress)
        }
        #expect(source.childrenAsked.isEmpty)
        #expect(progress == ImageWalk.Progress(top: source.tags["1.0"], manifests: 1, blobs: 0))
    }

    @Test func childrenTheSourceLacksAreLeftOutAndLackingAllFails() async throws {
        let (source, amd64, arm64, attestation) = multiPlatform()
        source.missing = [amd64, attestation]
        let walked = try await ImageWalk().run(.tag(Tag("1.0")!), in: source)
        #expect(walked.manifests.map(\.digest) == [source.tags["1.0"]!, arm64])

        source.missing = [amd64, arm64, attestation]
        await #expect(throws: FakeSource.Failure.noChildren(platforms: "", available: "linux/amd64, linux/arm64")) {
            try await ImageWalk().run(.tag(Tag("1.0")!), in: source)
        }
    }

    @Test func aNestedIndexIsKeptAsAManifestButNotWalked() async throws {
        let source = FakeSource()
        let inner = source.add(image(config: config, layers: [layer]))
        let nested = source.add(index([(inner, "linux/amd64")]))
        source.tags["1.0"] = source.add(index([(nested, "linux/amd64")]))
        let walked = try await ImageWalk().run(.tag(Tag("1.0")!), in: source)
        #expect(walked.manifests.map(\.digest) == [source.tags["1.0"]!, nested])
        #expect(walked.blobs.isEmpty)
        #expect(source.childrenAsked == [nested])
    }

    @Test func aManifestThatIsNotJSONListsNothing() async throws {
        let source = FakeSource()
        source.tags["1.0"] = source.add("opaque")
        let walked = try await ImageWalk().run(.tag(Tag("1.0")!), in: source)
        #expect(walked.manifests.count == 1 && walked.blobs.isEmpty)
    }

    @Test func aFailingChildStopsTheWalkAndProgressCountsWhatCameBefore() async {
        let (source, amd64, arm64, _) = multiPlatform()
        source.failing = [arm64]
        var progress = ImageWalk.Progress()
        await #expect(throws: FakeSource.Failure.failed(arm64)) {
            try await ImageWalk().run(.tag(Tag("1.0")!), in: source, progress: &progress)
        }
        #expect(source.childrenAsked == [amd64, arm64])
        #expect(progress == ImageWalk.Progress(top: source.tags["1.0"], manifests: 2, blobs: 0), "blobs come after every manifest")
    }

    @Test func aFailingBlobStopsTheWalkAfterTheBlobsBeforeIt() async {
        let source = FakeSource()
        source.tags["1.0"] = source.add(image(config: config, layers: [layer, shared]))
        source.failing = [layer]
        var progress = ImageWalk.Progress()
        await #expect(throws: FakeSource.Failure.failed(layer)) {
            try await ImageWalk().run(.tag(Tag("1.0")!), in: source, progress: &progress)
        }
        #expect(source.blobsAsked == [config, layer])
        #expect(progress.blobs == 1)
    }

    @Test func theImagesOwnManifestFailingLeavesNoProgress() async {
        let source = FakeSource()
        var progress = ImageWalk.Progress()
        await #expect(throws: FakeSource.Failure.unknownTag("2.0")) {
            try await ImageWalk().run(.tag(Tag("2.0")!), in: source, progress: &progress)
        }
        #expect(progress == ImageWalk.Progress())
    }
}

/// Manifests by digest and tag in memory; blobs answer their digest. Records what it is asked.
final class FakeSource: ImageSource {
    enum Failure: Error, Equatable {
        case unknownTag(String)
        case failed(Digest)
        case noChildren(platforms: String, available: String)
    }

    var manifests: [Digest: [UInt8]] = [:]
    var tags: [String: Digest] = [:]
    /// Children the source does not hold (a local source's uncached platforms).
    var missing: Set<Digest> = []
    /// Children and blobs whose fetch fails.
    var failing: Set<Digest> = []
    private(set) var childrenAsked: [Digest] = []
    private(set) var blobsAsked: [Digest] = []

    /// A digest that is easy to tell apart: `sha256:000…0n`.
    static func digest(_ number: Int) -> Digest {
        let hex = String(number, radix: 16)
        return Digest("sha256:" + String(repeating: "0", count: 64 - hex.count) + hex)!
    }

    func add(_ json: String) -> Digest {
        let digest = Self.digest(1000 + manifests.count)
        manifests[digest] = Array(json.utf8)
        return digest
    }

    func manifest(_ reference: ManifestReference) throws(Failure) -> StoredManifest {
        let digest: Digest
        switch reference {
        case .tag(let tag):
            guard let tagged = tags[tag.value] else { throw .unknownTag(tag.value) }
            digest = tagged
        case .digest(let value):
            digest = value
        }
        return StoredManifest(digest: digest, mediaType: ManifestMediaType.ociManifest, bytes: manifests[digest] ?? [])
    }

    func child(_ entry: ContentDescriptor) throws(Failure) -> StoredManifest? {
        childrenAsked.append(entry.digest)
        if failing.contains(entry.digest) { throw .failed(entry.digest) }
        guard !missing.contains(entry.digest), let bytes = manifests[entry.digest] else { return nil }
        return StoredManifest(digest: entry.digest, mediaType: entry.mediaType ?? ManifestMediaType.ociManifest, bytes: bytes)
    }

    func blob(_ blob: ImageBlob) throws(Failure) -> Digest {
        blobsAsked.append(blob.digest)
        if failing.contains(blob.digest) { throw .failed(blob.digest) }
        return blob.digest
    }

    func noChildren(of index: ManifestDocument, for platforms: [Platform]) -> Failure {
        .noChildren(platforms: platforms.map(\.description).joined(separator: ", "),
                    available: index.childPlatforms.map(\.description).joined(separator: ", "))
    }
}
