import OCILayout
import Testing

@Suite struct LayoutIndexTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    @Test func anIndexEncodesWithSortedKeysAndPlainSlashes() {
        let index = LayoutIndex(manifests: [
            LayoutDescriptor(
                mediaType: "application/vnd.oci.image.manifest.v1+json", digest: Self.digest, size: 528,
                annotations: [ImageLayout.refNameAnnotation: "docker.io/library/alpine:3.20", "a": "b"]
            ),
        ])
        let expected = #"{"manifests":[{"annotations":{"a":"b","org.opencontainers.image.ref.name":"docker.io/library/alpine:3.20"},"#
            + #""digest":"\#(Self.digest)","mediaType":"application/vnd.oci.image.manifest.v1+json","size":528}],"#
            + #""mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#
        #expect(String(decoding: ImageLayout.encode(index), as: UTF8.self) == expected)
    }

    @Test func anEncodedIndexDecodesToItself() throws {
        let index = LayoutIndex(
            manifests: [
                LayoutDescriptor(mediaType: "application/vnd.oci.image.index.v1+json", digest: Self.digest, size: 1, annotations: nil),
            ],
            annotations: ["created-by": "stowage"]
        )
        #expect(try ImageLayout.decodeIndex(ImageLayout.encode(index)) == index)
    }

    @Test func skopeosIndexDecodesWithoutItsPlatform() throws {
        let json = """
            {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
            "digest":"\(Self.digest)","size":405,
            "platform":{"architecture":"amd64","os":"linux"},
            "annotations":{"org.opencontainers.image.ref.name":"3.20"}}]}
            """
        let index = try ImageLayout.decodeIndex(Array(json.utf8))
        #expect(index == LayoutIndex(
            mediaType: nil,
            manifests: [
                LayoutDescriptor(
                    mediaType: "application/vnd.oci.image.manifest.v1+json", digest: Self.digest, size: 405,
                    annotations: ["org.opencontainers.image.ref.name": "3.20"]
                ),
            ]
        ))
        #expect(index.manifests[0].refName == "3.20")
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[]", "the document is not a JSON object"),
        (#"{"schemaVersion":2}"#, "manifests is missing"),
        (#"{"schemaVersion":1,"manifests":[]}"#, "schemaVersion is 1, expected 2"),
        (#"{"schemaVersion":2,"manifests":[{"mediaType":"m","size":1}]}"#, "manifests[0].digest is missing"),
        (#"{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"sha256:12","size":1}]}"#,
         #"manifests[0].digest "sha256:12" is not a valid digest"#),
        (#"{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"\#(digest)","size":"1"}]}"#, "manifests[0].size has the wrong type"),
        (#"{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"\#(digest)","size":-1}]}"#, "manifests[0].size is negative"),
    ])
    func aBadIndexSaysWhatIsWrong(json: String, reason: String) {
        #expect(throws: LayoutError.invalidIndex(reason: reason)) { try ImageLayout.decodeIndex(Array(json.utf8)) }
    }

    @Test func anIndexErrorNamesTheFile() {
        #expect(LayoutError.invalidIndex(reason: "not valid JSON").description == "index.json is not a valid OCI image index: not valid JSON")
    }
}
