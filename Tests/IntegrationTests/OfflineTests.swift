import Foundation
import Testing

/// What Stowage has, it keeps serving when the upstream goes away.
@Suite struct OfflineTests {
    @Test func aCachedTagIsServedWithAWarningAndCachedDigestsAsUsualWhenTheUpstreamIsDown() async throws {
        let upstream = try await UpstreamRegistry.start(auth: .htpasswd)
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--upstream-name", "vendor-proxy", "--connect-timeout", "1s", "--tag-ttl", "0s"])
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        await upstream.stop()

        let byTag = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(byTag.status == 200)
        #expect(byTag.header("Docker-Content-Digest") == image.digest)
        #expect(byTag.header("Warning")?.hasPrefix("299 - \"upstream vendor-proxy unavailable") == true)

        let byDigest = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.digest)", headers: [acceptAll])
        #expect(byDigest.status == 200)
        #expect(byDigest.header("Warning") == nil)

        let dir = try Skopeo.pull(stowage.host, "app/oci:1.0")
        #expect(try Skopeo.verify(dir, expecting: image.blobs.map(\.digest)) == [])

        let uncached = try await HTTP.get("\(stowage.url)/v2/app/multi/manifests/1.0", headers: [acceptAll])
        #expect(uncached.status == 503)
        #expect(uncached.text.contains("vendor-proxy"))
    }
}
