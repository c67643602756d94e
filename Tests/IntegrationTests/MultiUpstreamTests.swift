import Foundation
import Testing

/// Several upstreams behind one endpoint: `?ns=` and path-prefix routing, repositories keyed by
/// their upstream, and invariant 5 (a repository serves only content linked to it).
@Suite(.serialized) struct MultiUpstreamTests {
    @Test func theSameRepositoryNameUnderTwoNamespacesIsTwoRepositories() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let hubImage = upstreams.hub.images.named("app/oci"), ghcrImage = upstreams.ghcr.images.named("app/oci")
        try #require(hubImage.digest != ghcrImage.digest, "the two seeds make different content")

        for round in ["cold", "cached"] {
            for (namespace, image) in [("docker.io", hubImage), ("ghcr.io", ghcrImage)] {
                let manifest = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0?ns=\(namespace)", headers: [acceptAll])
                #expect(manifest.status == 200, "\(round) \(namespace)")
                #expect(manifest.header("Docker-Content-Digest") == image.digest, "\(round) \(namespace)")
                #expect(manifest.header("OCI-Namespace") == namespace)
                for blob in image.blobs {
                    let body = try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/\(blob.digest)?ns=\(namespace)")
                    #expect(body.status == 200, "\(round) \(namespace) \(blob.digest)")
                    #expect(sha256(body.body) == blob.digest)
                }
            }
        }
        // Without `ns`: a first segment equal to an upstream's path prefix routes there; anything else goes to the default.
        let prefixed = try await HTTP.get("\(stowage.url)/v2/ghcr/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(prefixed.header("Docker-Content-Digest") == ghcrImage.digest)
        #expect(prefixed.header("OCI-Namespace") == nil)
        let unprefixed = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(unprefixed.header("Docker-Content-Digest") == hubImage.digest)
    }

    @Test func aBlobCachedForOneUpstreamIsNotServedUnderAnotherThatLacksIt() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let hubImage = upstreams.hub.images.named("app/oci")
        let layer = hubImage.blobs.last!
        #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/\(layer.digest)?ns=docker.io").status == 200)
        #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(hubImage.digest)?ns=docker.io", headers: [acceptAll]).status == 200)

        let before = try upstreams.ghcr.accessLog().count
        let blob = try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/\(layer.digest)?ns=ghcr.io")
        #expect(blob.status == 404)
        #expect(blob.errorCode == "BLOB_UNKNOWN")
        let head = try await HTTP.head("\(stowage.url)/v2/app/oci/blobs/\(layer.digest)?ns=ghcr.io")
        #expect(head.status == 404)
        let manifest = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(hubImage.digest)?ns=ghcr.io", headers: [acceptAll])
        #expect(manifest.status == 404)
        #expect(manifest.errorCode == "MANIFEST_UNKNOWN")

        // ghcr was asked (HEAD) and said no; nothing was downloaded from it.
        let asked = try await upstreams.ghcr.requests(since: before, awaiting: [
            "HEAD /v2/app/oci/blobs/\(layer.digest)", "HEAD /v2/app/oci/manifests/\(hubImage.digest)",
        ])
        #expect(asked.filter { $0.method == "HEAD" && $0.path == "/v2/app/oci/blobs/\(layer.digest)" }.map(\.status) == [404, 404], "\(asked.lines)")
        #expect(asked.filter { $0.method == "HEAD" && $0.path == "/v2/app/oci/manifests/\(hubImage.digest)" }.map(\.status) == [404], "\(asked.lines)")
        #expect(asked.allSatisfy { $0.method == "HEAD" }, "\(asked.lines)")
    }

    @Test func aBlobTheOtherUpstreamConfirmsIsServedFromTheCacheWithoutDownloadingIt() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let shared = upstreams.hub.images.named("shared/img")
        try #require(shared.digest == upstreams.ghcr.images.named("shared/img").digest, "shared/img has the same bytes in both")
        let layer = shared.blobs.last!
        let viaHub = try await HTTP.get("\(stowage.url)/v2/shared/img/blobs/\(layer.digest)?ns=docker.io")
        #expect(viaHub.status == 200)

        let before = try upstreams.ghcr.accessLog().count
        for _ in 0..<2 {
            let viaGhcr = try await HTTP.get("\(stowage.url)/v2/shared/img/blobs/\(layer.digest)?ns=ghcr.io")
            #expect(viaGhcr.status == 200)
            #expect(viaGhcr.body == viaHub.body)
        }
        let asked = try await upstreams.ghcr.requests(since: before, awaiting: ["HEAD /v2/shared/img/blobs/\(layer.digest)"])
        #expect(asked.map { "\($0.method) \($0.path) \($0.status)" } == ["HEAD /v2/shared/img/blobs/\(layer.digest) 200"],
                "one confirmation, then linked; never downloaded twice:\n\(asked.lines)")
    }

    @Test func anUnknownNamespaceIsAFast404ThatReachesNoUpstream() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let (hubBefore, ghcrBefore) = (try upstreams.hub.accessLog().count, try upstreams.ghcr.accessLog().count)
        let digest = upstreams.hub.images.named("app/oci").blobs[0].digest
        for path in ["app/oci/manifests/1.0", "app/oci/blobs/\(digest)", "app/oci/tags/list"] {
            let started = ContinuousClock.now
            let result = try await HTTP.get("\(stowage.url)/v2/\(path)?ns=quay.io", headers: [acceptAll])
            let elapsed = ContinuousClock.now - started
            #expect(result.status == 404, "\(path)")
            #expect(result.errorCode == "NAME_UNKNOWN", "\(path)")
            #expect(result.header("OCI-Namespace") == "quay.io")
            #expect(elapsed < .milliseconds(250), "\(path) took \(elapsed)")
            print("unknown namespace: \(path) answered 404 in \(elapsed)")
        }
        #expect(try upstreams.hub.accessLog().count == hubBefore)
        #expect(try upstreams.ghcr.accessLog().count == ghcrBefore)
    }

    @Test func theCatalogListsEveryUpstreamPagedWithLinks() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await upstreams.stowage()
        defer { Task { await stowage.stop() } }
        let standard = ["app/docker-v2", "app/multi", "app/oci", "charts/mychart", "shared/img"]
        // The default upstream's repositories as they are named; the other's under its path prefix.
        let expected = (standard + standard.map { "ghcr/" + $0 }).sorted()
        #expect(try await catalogPages(stowage.url, query: "n=3") == expected)
        #expect(try await catalogPages(stowage.url, query: nil) == expected)
        #expect(try await catalogPages(stowage.url, query: "n=4&ns=ghcr.io") == standard)
    }

    /// What a new operator hit: a default upstream named after the first segment of its own
    /// repositories (`app` serving `app/…`) had that segment cut, and the pull failed with "not found
    /// at upstream". An upstream's name is not a path prefix: the name reaches the upstream whole.
    @Test func aDefaultUpstreamNamedLikeItsRepositoriesFirstSegmentServesThemWhole() async throws {
        let upstreams = try await TwoUpstreams.shared()
        let stowage = try await StowageServer.start(config: """
            upstreams:
              - name: app
                url: \(upstreams.hub.url)
                default: true
              - name: ghcr
                url: \(upstreams.ghcr.url)
                pathPrefix: ghcr
            """)
        defer { Task { await stowage.stop() } }
        let before = try upstreams.hub.accessLog().count
        let manifest = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(manifest.status == 200, "\(manifest.text)")
        #expect(manifest.header("Docker-Content-Digest") == upstreams.hub.images.named("app/oci").digest)
        let asked = try await upstreams.hub.requests(since: before, awaiting: ["GET /v2/app/oci/manifests/1.0"])
        #expect(asked.contains { $0.path == "/v2/app/oci/manifests/1.0" }, "fetched under its whole name:\n\(asked.lines)")
        #expect(!asked.contains { $0.path.hasPrefix("/v2/oci/") }, "\(asked.lines)")
        let cached = stowage.log().split(separator: "\n").filter { $0.contains("cached manifest") }
        #expect(cached.count == 1 && cached[0].contains("upstream=app") && cached[0].contains("repository=app/oci"),
                "the miss's log line names the repository as sent upstream: \(cached)")
    }
}

/// Follows `_catalog`'s `Link` headers from `query`, checking each page's size; returns every name.
func catalogPages(_ base: String, query: String?) async throws -> [String] {
    struct Page: Decodable { let repositories: [String] }
    let limit = query?.split(separator: "&").first { $0.hasPrefix("n=") }.flatMap { Int($0.dropFirst(2)) }
    var names: [String] = []
    var next: String? = "/v2/_catalog" + (query.map { "?" + $0 } ?? "")
    var pages = 0
    while let path = next, pages < 50 {
        let result = try await HTTP.get(base + path)
        try #require(result.status == 200, "\(path): \(result.text)")
        let page = try JSONDecoder().decode(Page.self, from: Data(result.body))
        if let limit { #expect(page.repositories.count <= limit, "\(path) sent \(page.repositories.count)") }
        names += page.repositories
        next = result.header("Link").map { link in String(link.dropFirst().prefix { $0 != ">" }) }
        pages += 1
    }
    return names
}
