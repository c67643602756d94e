import OCI
import Testing

@Suite struct PlatformTests {
    @Test(arguments: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "windows/amd64"])
    func aPlatformReadsBackAsWritten(text: String) {
        #expect(Platform(text)?.description == text)
    }

    @Test(arguments: ["linux", "linux/", "/amd64", "linux/arm/v7/x", "Linux/AMD64", "linux amd64", ""])
    func anythingElseIsNotAPlatform(text: String) {
        #expect(Platform(text) == nil)
    }

    @Test func withoutAVariantAnyVariantMatches() {
        let arm = Platform("linux/arm")!
        #expect(arm.matches(Platform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(arm.matches(Platform(os: "linux", architecture: "arm", variant: "v6")))
        #expect(!Platform("linux/arm/v7")!.matches(Platform(os: "linux", architecture: "arm", variant: "v6")))
        #expect(!arm.matches(Platform(os: "linux", architecture: "arm64")))
    }

    @Test func arm64WithoutAVariantIsV8() {
        #expect(Platform("linux/arm64/v8")!.matches(Platform(os: "linux", architecture: "arm64")))
        #expect(Platform("linux/arm64")!.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
    }
}

@Suite struct ImageIndexTests {
    static let amd64 = "sha256:" + String(repeating: "a", count: 64)
    static let arm64 = "sha256:" + String(repeating: "b", count: 64)
    static let attestation = "sha256:" + String(repeating: "c", count: 64)
    let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(amd64)","size":500,"platform":{"os":"linux","architecture":"amd64"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(arm64)","size":501,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(attestation)","size":90,"annotations":{"vnd.docker.reference.type":"attestation-manifest"}},
          {"digest":"not-a-digest"}
        ]}
        """

    @Test func entriesKeepDigestMediaTypeSizeAndPlatform() throws {
        let index = try #require(ImageIndex.parse(Array(json.utf8)))
        #expect(index.entries.map(\.digest.description) == [Self.amd64, Self.arm64, Self.attestation])
        #expect(index.entries[1].platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(index.entries[1].size == 501)
        #expect(index.entries[2].platform == nil)
    }

    @Test func platformsChooseTheirEntriesAndNoneChoosesAll() throws {
        let index = try #require(ImageIndex.parse(Array(json.utf8)))
        #expect(index.entries(for: [Platform("linux/arm64")!]).map(\.digest.description) == [Self.arm64])
        #expect(index.entries(for: [Platform("linux/s390x")!]).isEmpty)
        #expect(index.entries(for: []).count == 3)
    }

    @Test func anImageManifestIsNotAnIndex() {
        #expect(ImageIndex.parse(Array(#"{"schemaVersion":2,"config":{},"layers":[]}"#.utf8)) == nil)
        #expect(ImageIndex.parse(Array("not json".utf8)) == nil)
    }
}
