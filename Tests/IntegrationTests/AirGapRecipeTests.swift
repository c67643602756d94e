import Foundation
import Testing

/// The README's air-gap recipe, end to end, as a new operator runs it: preseed and export with the
/// connected side's config, carry the bundle, import and serve on a far side whose config names the
/// same upstreams without URLs, and pull with every shipped client configuration.
@Suite struct AirGapRecipeTests {
    /// The connected side: a lab registry known by nothing but its URL (the image list names it by
    /// its host and port; clients by the path prefix `lab`), Docker Hub's stand-in (the default,
    /// namespace docker.io) and a vendor's registry (namespace proxy.vendor.example, path prefix vendor).
    private func connectedConfig(_ upstreams: TwoUpstreams) -> String {
        """
        upstreams:
          - name: lab
            url: \(upstreams.hub.url)
            pathPrefix: lab
          - name: hub
            url: \(upstreams.hub.url)
            namespaces: [docker.io]
            default: true
          - name: vendor
            url: \(upstreams.ghcr.url)
            namespaces: [proxy.vendor.example]
            pathPrefix: vendor
        """
    }

    private func labHost(_ upstreams: TwoUpstreams) -> String { upstreams.hub.url.replacingOccurrences(of: "http://", with: "") }

    /// The far side: the same names, namespaces and prefixes; no URLs, except the vendor's, which
    /// differs from the connected side's (a far-side proxy that is never reached in this test).
    private let offlineConfig = """
        upstreams:
          - name: hub
            namespaces: [docker.io]
            default: true
          - name: vendor
            url: http://127.0.0.1:9
            namespaces: [proxy.vendor.example]
            pathPrefix: vendor
          - name: lab
            pathPrefix: lab
        """

    private func write(_ yaml: String, _ name: String) throws -> String {
        let path = Paths.temporaryDirectory("airgap-config") + "/\(name).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aBundleImportedOnAFarSideWithOtherURLsIsServedToEveryShippedClientConfiguration() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let connected = try write(connectedConfig(upstreams), "connected")
        let images = ["app/oci:1.0", "proxy.vendor.example/app/oci:1.0", "\(labHost(upstreams))/charts/mychart:0.1.0"]
        let source = Paths.temporaryDirectory("airgap-source")
        let preseeded = try StowageCLI.run(["preseed"] + images, storage: source, config: connected)
        #expect(preseeded.status == 0, "\(preseeded.output)")
        let bundle = Paths.temporaryDirectory("airgap-bundle") + "/bundle.tar"
        let exported = try StowageCLI.run(["export", "-o", bundle] + images, storage: source, config: connected)
        #expect(exported.status == 0, "\(exported.output)")

        // The bundle names each image as clients do: the registry of the upstream's namespace, else its URL's host.
        let index = try run("/usr/bin/tar", ["-xOf", bundle, "index.json"])
        for name in ["docker.io/app/oci:1.0", "proxy.vendor.example/app/oci:1.0", "\(labHost(upstreams))/charts/mychart:0.1.0"] {
            #expect(index.contains(#""org.opencontainers.image.ref.name":"\#(name)""#), "\(name) in \(index)")
        }

        let offline = try write(offlineConfig, "offline")
        let far = Paths.temporaryDirectory("airgap-far")
        let imported = try StowageCLI.run(["import", bundle], storage: far, config: offline)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.hasSuffix("imported 3 images from \(bundle)\n"), "\(imported.output)")
        let listed = try StowageCLI.run(["ls"], storage: far, config: offline).output
        for name in ["hub/app/oci:1.0", "vendor/app/oci:1.0", "lab/charts/mychart:0.1.0"] {
            #expect(listed.contains(name), "\(name) in \(listed)")
        }

        let stowage = try await StowageServer.start(config: offlineConfig, storage: far)
        defer { Task { await stowage.stop() } }
        let hubImage = upstreams.hub.images.named("app/oci"), vendorImage = upstreams.ghcr.images.named("app/oci")

        // podman, CRI-O, skopeo: the shipped registries.conf, pointed at this Stowage. The registries'
        // own hosts do not resolve here: only the mirror can serve these pulls.
        let shipped = try String(contentsOfFile: Paths.packageRoot + "/Deploy/registries.conf.d/stowage.conf", encoding: .utf8)
        let conf = Paths.temporaryDirectory("airgap-registries") + "/registries.conf"
        try shipped.replacingOccurrences(of: "stowage.internal:5000", with: stowage.host).write(toFile: conf, atomically: true, encoding: .utf8)
        for (reference, image) in [("docker.io/app/oci:1.0", hubImage), ("proxy.vendor.example/app/oci:1.0", vendorImage)] {
            let out = Paths.temporaryDirectory("airgap-skopeo")
            try run("/usr/bin/skopeo", ["--registries-conf", conf, "copy", "--retry-times", "0", "--src-no-creds", "docker://\(reference)", "dir:\(out)"])
            #expect(try Skopeo.verify(out, expecting: image.blobs.map(\.digest)) == [], "\(reference)")
        }
        #expect(await stowage.accessStatuses(path: "/v2/app/oci/manifests/1.0").contains("200"), "docker.io at the root")
        #expect(await stowage.accessStatuses(path: "/v2/vendor/app/oci/manifests/1.0").contains("200"), "the vendor by its path prefix")

        // containerd: ?ns= names the registry. Docker: the default upstream at the root. The lab image by its prefix.
        let answers: [(String, String)] = [
            ("/v2/app/oci/manifests/1.0?ns=docker.io", hubImage.digest),
            ("/v2/app/oci/manifests/1.0?ns=proxy.vendor.example", vendorImage.digest),
            ("/v2/app/oci/manifests/1.0", hubImage.digest),
            ("/v2/lab/charts/mychart/manifests/0.1.0", upstreams.hub.images.named("charts/mychart").digest),
        ]
        for (path, digest) in answers {
            let manifest = try await HTTP.get(stowage.url + path, headers: [acceptAll])
            #expect(manifest.status == 200, "\(path): \(manifest.text)")
            #expect(manifest.header("Docker-Content-Digest") == digest, "\(path)")
        }
    }

    @Test func anImportWhoseRegistryNoUpstreamServesNamesEachServedHostOnce() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let connected = try write(connectedConfig(upstreams), "connected")
        let source = Paths.temporaryDirectory("airgap-source")
        let chart = "\(labHost(upstreams))/charts/mychart:0.1.0"
        #expect(try StowageCLI.run(["preseed", chart], storage: source, config: connected).status == 0)
        let bundle = Paths.temporaryDirectory("airgap-bundle") + "/bundle.tar"
        #expect(try StowageCLI.run(["export", "-o", bundle, chart], storage: source, config: connected).status == 0)

        // A config whose one upstream (named otherwise) lists its URL's host among its namespaces too.
        let other = try write("upstream:\n  name: docker.io\n  url: https://registry-1.docker.io\n  namespaces: [docker.io]\n", "other")
        let imported = try StowageCLI.run(["import", bundle], storage: Paths.temporaryDirectory("airgap-other"), config: other)
        #expect(imported.status == 1)
        #expect(imported.output.contains("no upstream serves registry \(labHost(upstreams)) (they serve docker.io): add it to an upstream's namespaces"),
                "\(imported.output)")
    }
}
