import OCI
import Testing

@Suite struct ManifestReferencesTests {
    let config = "sha256:" + String(repeating: "a", count: 64)
    let layer = "sha256:" + String(repeating: "b", count: 64)
    let child = "sha256:" + String(repeating: "c", count: 64)

    @Test func anImageReferencesItsConfigAndLayersWithTheirSizes() {
        let json = #"{"schemaVersion":2,"config":{"digest":"\#(config)","size":1},"layers":[{"digest":"\#(layer)","size":2}]}"#
        let references = ManifestReferences.parse(Array(json.utf8))
        #expect(references == ManifestReferences(manifests: [], blobs: [Digest(config)!, Digest(layer)!],
                                                 sizes: [Digest(config)!: 1, Digest(layer)!: 2]))
    }

    @Test func anIndexReferencesItsChildManifests() {
        let json = #"{"schemaVersion":2,"manifests":[{"digest":"\#(child)","platform":{"os":"linux"}}]}"#
        #expect(ManifestReferences.parse(Array(json.utf8)) == ManifestReferences(manifests: [Digest(child)!], blobs: []))
    }

    @Test func schemaOneLayersAreBlobSums() {
        let json = #"{"schemaVersion":1,"fsLayers":[{"blobSum":"\#(layer)"}]}"#
        #expect(ManifestReferences.parse(Array(json.utf8))?.blobs == [Digest(layer)!])
    }

    @Test func malformedDigestsAreLeftOutAndNonJSONIsNil() {
        let json = #"{"layers":[{"digest":"sha256:short"},{"digest":"\#(layer)"}]}"#
        #expect(ManifestReferences.parse(Array(json.utf8))?.blobs == [Digest(layer)!])
        #expect(ManifestReferences.parse(Array("not json".utf8)) == nil)
    }
}
