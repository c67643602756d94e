import Foundation
import Testing

/// A real containerd (Debian's package, private root, state and socket) with `hosts.toml` making
/// Stowage the mirror for docker.io and ghcr.io, served by two real registries that hold the same
/// repository names with different content; `server` is unreachable, so only Stowage can have
/// answered. These fail, rather than skip, when containerd is missing: `scripts/setup.sh` installs it.
@Suite(.serialized) struct ContainerdMirrorTests {
    /// Where the `server` of every hosts.toml points: nothing listens on port 1.
    static let unreachable = "http://127.0.0.1:1"

    @Test func containerdPullsEachNamespaceThroughStowageFromItsOwnUpstream() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        try await Containerd.with { containerd in
            let mirror = Containerd.hostsTOML(server: Self.unreachable, mirrors: [stowage.url])
            let hostsDir = try containerd.writeHosts(["docker.io": mirror, "ghcr.io": mirror])
            let pulls: [(namespace: String, upstream: UpstreamRegistry, repository: String, extra: [String])] = [
                ("docker.io", upstreams.hub, "app/oci", []),
                ("ghcr.io", upstreams.ghcr, "app/oci", []),
                ("ghcr.io", upstreams.ghcr, "app/multi", ["--all-platforms"]),
            ]
            for (namespace, upstream, repository, extra) in pulls {
                let image = upstream.images.named(repository)
                let other = (upstream === upstreams.hub ? upstreams.ghcr : upstreams.hub).images.named(repository)
                let reference = "\(namespace)/\(repository):\(image.tag)"
                let before = try upstream.accessLog().count
                let started = ContinuousClock.now
                let pull = try await containerd.pull(reference, hostsDir: hostsDir, extra: extra)
                try #require(pull.status == 0, "ctr images pull \(reference) exited \(pull.status):\n\(pull.output)\n\(stowage.log().suffix(3000))")
                print("containerd pulled \(reference) through Stowage in \(ContinuousClock.now - started)")

                // containerd recorded the digest of this namespace's image, not the other's.
                let listing = try await containerd.ctr(["images", "ls"]).output
                let line = listing.split(separator: "\n").first { $0.hasPrefix(reference + " ") } ?? ""
                #expect(line.contains(image.digest), "\(reference) is \(image.digest):\n\(listing)")
                #expect(!line.contains(other.digest))

                // The bytes came from this namespace's upstream, fetched by Stowage (no `ns` upstream).
                let blobs = Set((image.children ?? [image]).flatMap(\.blobs).map(\.digest))
                let fetched = try await upstream.requests(since: before, awaiting: blobs.map { "GET /v2/\(repository)/blobs/\($0)" })
                for blob in blobs {
                    #expect(fetched.contains { $0.method == "GET" && $0.path == "/v2/\(repository)/blobs/\(blob)" && $0.status == 200 },
                            "\(reference): \(blob) was not fetched from its upstream:\n\(fetched.lines)")
                }
                // Stowage saw containerd's requests with the namespace.
                #expect(await stowage.accessStatuses(path: "/v2/\(repository)/manifests/\(image.tag)?ns=\(namespace)").contains("200"))
            }
        }
    }

    @Test func anUnknownNamespaceIsA404AndContainerdFallsThroughToTheNextHost() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let image = upstreams.ghcr.images.named("app/docker-v2")
        try await Containerd.with { containerd in
            // Stowage mirrors no quay.io: it answers 404 and containerd goes on to the registry itself.
            let hostsDir = try containerd.writeHosts([
                "quay.io": Containerd.hostsTOML(server: Self.unreachable, mirrors: [stowage.url, upstreams.ghcr.url]),
            ])
            let before = try upstreams.ghcr.accessLog().count
            let pull = try await containerd.pull("quay.io/app/docker-v2:1.0", hostsDir: hostsDir)
            try #require(pull.status == 0, "ctr images pull exited \(pull.status):\n\(pull.output)")
            #expect(pull.output.contains("trying next host - response was http.StatusNotFound"), "\(pull.output)")

            let refused = await stowage.logWithAccessLines().split(separator: "\n").filter { $0.contains("?ns=quay.io") && $0.contains("[Server] request") }
            #expect(refused.count >= 2 + image.blobs.count, "the tag, the manifest and every blob were asked of Stowage first:\n\(refused.joined(separator: "\n"))")
            for line in refused {
                #expect(line.contains("status=404"), "\(line)")
                let ms = line.split(separator: " ").first { $0.hasPrefix("ms=") }.flatMap { Double($0.dropFirst(3)) } ?? .infinity
                #expect(ms < 50, "Stowage took \(ms) ms to refuse: \(line)")
            }
            let direct = try await upstreams.ghcr.requests(since: before, awaiting: ["GET /v2/app/docker-v2/manifests/\(image.digest)?ns=quay.io"])
            #expect(direct.contains { $0.path == "/v2/app/docker-v2/manifests/\(image.digest)?ns=quay.io" && $0.status == 200 },
                    "the next host served the pull:\n\(direct.lines)")
        }
    }
}
