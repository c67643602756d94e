import Foundation
import Testing

/// Inside the tag TTL a tag is answered from the cache; after it, one HEAD revalidates it and a
/// changed digest costs one GET.
@Suite struct TagFreshnessTests {
    @Test func aRepointedTagIsServedStaleInsideTheTTLAndFreshAfterIt() async throws {
        let upstream = try await UpstreamRegistry.start(auth: .htpasswd)
        defer { Task { await upstream.stop() } }
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--tag-ttl", "3s"])
        defer { Task { await stowage.stop() } }
        let old = upstream.images.named("app/oci")
        let new = upstream.images.named("app/docker-v2")
        let url = "\(stowage.url)/v2/app/oci/manifests/1.0"
        #expect(try await HTTP.get(url, headers: [acceptAll]).header("Docker-Content-Digest") == old.digest)

        // Re-point app/oci:1.0 upstream with a real client.
        let upstreamHost = String(upstream.url.dropFirst("http://".count))
        try run("/usr/bin/skopeo", ["copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                                    "--src-creds", "\(UpstreamRegistry.user):\(UpstreamRegistry.password)",
                                    "--dest-creds", "\(UpstreamRegistry.user):\(UpstreamRegistry.password)",
                                    "docker://\(upstreamHost)/app/docker-v2:1.0", "docker://\(upstreamHost)/app/oci:1.0"])
        let baseline = try await tagRequests(upstream)

        let inside = try await HTTP.get(url, headers: [acceptAll])
        #expect(inside.header("Docker-Content-Digest") == old.digest)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await tagRequests(upstream) == baseline, "inside the TTL the upstream is not asked")

        try await Task.sleep(for: .seconds(4))
        let after = try await HTTP.get(url, headers: [acceptAll])
        #expect(after.header("Docker-Content-Digest") == new.digest)
        #expect(after.header("Content-Type") == "application/vnd.docker.distribution.manifest.v2+json")
        try await Task.sleep(for: .milliseconds(300))
        let requests = try await tagRequests(upstream)
        #expect(requests.heads - baseline.heads == 1)
        #expect(requests.gets - baseline.gets == 1)
    }

    /// Authenticated HEADs and GETs of `app/oci`'s tag `1.0` at the upstream (401 challenges excluded).
    private func tagRequests(_ upstream: UpstreamRegistry) async throws -> (heads: Int, gets: Int) {
        let entries = try upstream.accessLog().filter { $0.path == "/v2/app/oci/manifests/1.0" && $0.status != 401 }
        return (entries.filter { $0.method == "HEAD" }.count, entries.filter { $0.method == "GET" }.count)
    }
}

/// One policy for an upstream that refuses Stowage's credentials (a license revoked or mistyped):
/// what is cached is served, by digest and by tag alike (the tag with a warning); what is not
/// cached is refused with the upstream's meaning.
@Suite(.serialized) struct RefusedCredentialsTests {
    @Test func aCachedTagIsServedWithAWarningLikeItsDigestWhenTheUpstreamRefusesTheCredentials() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let image = upstream.images.named("app/oci")
        let first = try await StowageServer.start(upstream: upstream.url)
        #expect(try await HTTP.get("\(first.url)/v2/app/oci/manifests/\(image.tag)", headers: [acceptAll]).status == 200)
        await first.stop()

        let passwordFile = Paths.temporaryDirectory("license") + "/license-id"
        try "lic_revoked".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let wrong = try await StowageServer.start(upstream: upstream.url, storage: first.storage, credentials: false,
                                                  extra: ["--upstream-username", UpstreamRegistry.user, "--upstream-password-file", passwordFile,
                                                          "--tag-ttl", "0s"])
        defer { Task { await wrong.stop() } }
        let byDigest = try await HTTP.get("\(wrong.url)/v2/app/oci/manifests/\(image.digest)", headers: [acceptAll])
        #expect(byDigest.status == 200)
        let byTag = try await HTTP.get("\(wrong.url)/v2/app/oci/manifests/\(image.tag)", headers: [acceptAll])
        #expect(byTag.status == 200)
        #expect(byTag.header("Docker-Content-Digest") == image.digest)
        #expect(byTag.header("Warning")?.contains("refused Stowage's credentials; serving cached app/oci:\(image.tag)") == true, "\(byTag.headers)")
        let uncached = try await HTTP.get("\(wrong.url)/v2/app/docker-v2/manifests/1.0", headers: [acceptAll])
        #expect(uncached.status == 401)
        #expect(uncached.errorCode == "UNAUTHORIZED")
    }
}
