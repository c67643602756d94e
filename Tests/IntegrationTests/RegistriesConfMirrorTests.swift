import Foundation
import Testing

/// skopeo (containers/image, the library of podman and CRI-O) pulling through Stowage as a
/// `registries.conf` mirror: the shipped `Deploy/registries.conf.d/stowage.conf`, pointed at this
/// Stowage. These clients send no `ns`: docker.io goes to the default upstream at the root, and
/// another registry's mirror location ends in its upstream's path prefix.
@Suite struct RegistriesConfMirrorTests {
    @Test(arguments: [("docker.io", ""), ("ghcr.io", "ghcr/")])
    func skopeoPullsThroughTheShippedMirrorEntry(_ registry: String, _ pathPrefix: String) async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let shipped = try String(contentsOfFile: Paths.packageRoot + "/Deploy/registries.conf.d/stowage.conf", encoding: .utf8)
        let conf = Paths.temporaryDirectory("registries") + "/registries.conf"
        try shipped.replacingOccurrences(of: "stowage.internal:5000", with: stowage.host).write(toFile: conf, atomically: true, encoding: .utf8)

        let upstream = registry == "docker.io" ? upstreams.hub : upstreams.ghcr
        let image = upstream.images.named("app/oci")
        let out = Paths.temporaryDirectory("skopeo")
        // The registry's own host does not resolve here: only the mirror can serve the pull.
        try run("/usr/bin/skopeo", ["--registries-conf", conf, "copy", "--retry-times", "0", "--src-no-creds",
                                    "docker://\(registry)/app/oci:1.0", "dir:\(out)"])
        #expect(try Skopeo.verify(out, expecting: image.blobs.map(\.digest)) == [])
        #expect(await stowage.accessStatuses(path: "/v2/\(pathPrefix)app/oci/manifests/1.0").contains("200"), "routed by the path, without ns")
        #expect(!stowage.log().contains("ns="))
    }
}
