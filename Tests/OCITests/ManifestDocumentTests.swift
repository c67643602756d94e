import OCI
import Testing

@Suite struct ManifestDocumentTests {
    static let amd64 = "sha256:" + String(repeating: "a", count: 64)
    static let arm64 = "sha256:" + String(repeating: "b", count: 64)
    static let attestation = "sha256:" + String(repeating: "c", count: 64)
    static let config = "sha256:" + String(repeating: "d", count: 64)
    static let layer = "sha256:" + String(repeating: "e", count: 64)
    static let signed = "sha256:" + String(repeating: "f", count: 64)
    let index = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(amd64)","size":500,"platform":{"os":"linux","architecture":"amd64"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(arm64)","size":501,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(attestation)","size":90,"annotations":{"vnd.docker.reference.type":"attestation-manifest"}},
          {"digest":"not-a-digest"}
        ]}
        """
    let image = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(config)","size":7},
         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layer)","size":1024}],
         "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(signed)","size":300}}
        """

    private func parse(_ json: String) -> ManifestDocument? { ManifestDocument.parse(Array(json.utf8)) }

    // MARK: Indexes

    @Test func anIndexKeepsEachChildsDigestMediaTypeSizeAndPlatform() throws {
        let document = try #require(parse(index))
        #expect(document.kind == .index)
        #expect(document.mediaType == ManifestMediaType.ociIndex)
        #expect(document.children.map(\.digest.description) == [Self.amd64, Self.arm64, Self.attestation])
        #expect(document.children[0].mediaType == ManifestMediaType.ociManifest)
        #expect(document.children[1].platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(document.children[1].size == 501)
        #expect(document.children[2].platform == nil)
        #expect(document.blobs.isEmpty)
        #expect(document.childPlatforms.map(\.description) == ["linux/amd64", "linux/arm64/v8"])
    }

    @Test func platformsChooseTheirChildrenAndNoneChoosesAll() throws {
        let document = try #require(parse(index))
        #expect(document.children(for: [Platform("linux/arm64")!]).map(\.digest.description) == [Self.arm64])
        #expect(document.children(for: [Platform("linux/s390x")!]).isEmpty)
        #expect(document.children(for: []).count == 3)
    }

    @Test func anEmptyManifestsArrayIsStillAnIndex() {
        #expect(parse(#"{"schemaVersion":2,"manifests":[]}"#) == ManifestDocument(kind: .index))
    }

    // MARK: Images

    @Test func anImageManifestIsNotAnIndex() {
        #expect(parse(#"{"schemaVersion":2,"config":{},"layers":[]}"#)?.kind == .image)
        #expect(parse("not json") == nil)
    }

    @Test func anImageListsItsConfigThenItsLayersWithSizes() throws {
        let document = try #require(parse(image))
        #expect(document.kind == .image)
        #expect(document.mediaType == ManifestMediaType.ociManifest)
        #expect(document.blobs == [
            ContentDescriptor(digest: Digest(Self.config)!, mediaType: "application/vnd.oci.image.config.v1+json", size: 7),
            ContentDescriptor(digest: Digest(Self.layer)!, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: 1024),
        ])
        #expect(document.children.isEmpty)
    }

    @Test func theSubjectIsReadButIsNeitherABlobNorAReference() throws {
        let document = try #require(parse(image))
        #expect(document.subject == ContentDescriptor(digest: Digest(Self.signed)!, mediaType: ManifestMediaType.ociManifest, size: 300))
        #expect(!document.blobs.contains { $0.digest.description == Self.signed })
        #expect(ManifestReferences(document).blobs.map(\.description) == [Self.config, Self.layer])
    }

    @Test func anArtifactsBlobsFollowItsLayers() {
        let json = #"{"schemaVersion":2,"config":{"digest":"\#(Self.config)","size":2},"blobs":[{"digest":"\#(Self.layer)","size":3}]}"#
        #expect(parse(json)?.blobs.map(\.digest.description) == [Self.config, Self.layer])
    }

    @Test func schemaOneLayersAreBlobsWithoutSizes() {
        let json = #"{"schemaVersion":1,"fsLayers":[{"blobSum":"\#(Self.layer)"},{"blobSum":"\#(Self.config)"}]}"#
        #expect(parse(json) == ManifestDocument(kind: .image, blobs: [ContentDescriptor(digest: Digest(Self.layer)!),
                                                                      ContentDescriptor(digest: Digest(Self.config)!)]))
    }

    @Test func anObjectListingNeitherChildrenNorBlobsIsOther() {
        #expect(parse(#"{"schemaVersion":2,"mediaType":"application/vnd.example+json"}"#)
                == ManifestDocument(kind: .other, mediaType: "application/vnd.example+json"))
        #expect(parse("{}") == ManifestDocument(kind: .other))
    }

    // MARK: Leniency and totality

    @Test func aMalformedKeyOrDescriptorIsLeftOutNotTheDocument() {
        let json = """
            {"mediaType":7,"manifests":"none","config":"x",
             "layers":[{"digest":"sha256:short"},{"digest":"\(Self.layer)","size":"big"},7,{"digest":"\(Self.config)","size":-1}]}
            """
        #expect(parse(json) == ManifestDocument(kind: .image, blobs: [ContentDescriptor(digest: Digest(Self.layer)!),
                                                                      ContentDescriptor(digest: Digest(Self.config)!)]))
    }

    @Test func aChildWithoutBothOSAndArchitectureNamesNoPlatform() {
        let json = #"{"manifests":[{"digest":"\#(Self.amd64)","platform":{"os":"linux"}},{"digest":"\#(Self.arm64)","platform":"linux/arm64"}]}"#
        #expect(parse(json)?.children.map(\.platform) == [nil, nil])
    }

    @Test(arguments: ["", "[]", "[{\"manifests\":[]}]", "\"text\"", "42", "null", "{", "{\"manifests\":[", "\u{FEFF}"])
    func anythingButAJSONObjectIsNil(text: String) {
        #expect(parse(text) == nil)
    }

    /// Every prefix of a real index and image manifest, and each of their bytes replaced by bytes
    /// that change JSON's structure: the parser answers a value or nil each time, the same one twice.
    @Test func damagedDocumentsNeverTrapAndParseTheSameTwice() {
        let replacements: [UInt8] = [0x00, 0xFF, UInt8(ascii: "{"), UInt8(ascii: "]"), UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: "9")]
        for source in [Array(index.utf8), Array(image.utf8)] {
            for end in 0...source.count {
                let prefix = Array(source[..<end])
                #expect(ManifestDocument.parse(prefix) == ManifestDocument.parse(prefix))
            }
            for position in source.indices {
                for replacement in replacements {
                    var damaged = source
                    damaged[position] = replacement
                    #expect(ManifestDocument.parse(damaged) == ManifestDocument.parse(damaged))
                }
            }
        }
        #expect(ManifestDocument.parse(Array(index.utf8))?.children.count == 3, "the undamaged index still reads")
    }
}
