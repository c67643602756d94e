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
}
