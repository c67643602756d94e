import OCI
import Testing
@testable import Upstream

@Suite struct UpstreamManifestTests {
    @Test func theAcceptHeaderListsEveryManifestType() {
        #expect(ManifestMediaType.all.count == 6)
        for type in ManifestMediaType.all {
            #expect(UpstreamManifest.acceptHeader.split(separator: ",").map { $0.trimmingHTTPWhitespace }.contains(type))
        }
    }

    @Test func contentTypeParametersAreDropped() {
        #expect(UpstreamManifest.mediaType(fromContentType: "application/vnd.oci.image.manifest.v1+json; charset=utf-8")
            == "application/vnd.oci.image.manifest.v1+json")
    }

    @Test func aPlainContentTypeIsKept() {
        #expect(UpstreamManifest.mediaType(fromContentType: " application/vnd.oci.image.index.v1+json ") == "application/vnd.oci.image.index.v1+json")
    }

    @Test func aMissingContentTypeIsEmpty() {
        #expect(UpstreamManifest.mediaType(fromContentType: nil) == "")
    }

    @Test func theSizeLimitsAre4And16MiB() {
        #expect(UpstreamManifest.maximumBytes == 4 * 1024 * 1024)
        #expect(UpstreamListing.maximumBytes == 16 * 1024 * 1024)
    }
}
