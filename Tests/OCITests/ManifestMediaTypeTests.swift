import OCI
import Testing

@Suite struct ManifestMediaTypeTests {
    @Test func acceptRulesFollowTheClientsHeader() {
        #expect(ManifestMediaType.isAccepted(ManifestMediaType.ociIndex, by: []))
        #expect(ManifestMediaType.isAccepted(ManifestMediaType.ociIndex, by: ["application/vnd.oci.image.index.v1+json, */*"]))
        #expect(ManifestMediaType.isAccepted(ManifestMediaType.ociIndex, by: ["application/*"]))
        #expect(!ManifestMediaType.isAccepted(ManifestMediaType.ociIndex, by: [ManifestMediaType.dockerV2]))
        #expect(ManifestMediaType.isAccepted(ManifestMediaType.dockerV2, by: ["application/vnd.docker.distribution.manifest.v2+json;q=0.9"]))
    }

    @Test func acceptIsCaseInsensitiveSpansHeadersAndSkipsBlanks() {
        #expect(ManifestMediaType.isAccepted(ManifestMediaType.ociManifest, by: ["text/plain", " APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON\t; q=1"]))
        #expect(ManifestMediaType.isAccepted(ManifestMediaType.ociManifest, by: [" , ,"]), "only blanks is no Accept at all")
        #expect(!ManifestMediaType.isAccepted(ManifestMediaType.ociManifest, by: ["text/*, image/png"]))
        #expect(!ManifestMediaType.isAccepted(ManifestMediaType.ociManifest, by: ["application/vnd.oci.image.manifest.v1+jsonx"]))
    }
}
