import Foundation
import Testing

/// The appliance as an operator secures it: HTTPS with a test CA's certificate and client
/// authentication from an htpasswd file, used by real clients the way their documentation says:
/// `skopeo login` and `podman login` then a pull, and containerd with the CA and an `Authorization`
/// header in hosts.toml. Every byte is checked: skopeo's blob files by hash here; podman and
/// containerd verify each blob's digest as they pull, and their image digest is compared.
@Suite(.serialized) struct SecuredClientsTests {
    /// A Stowage with TLS and the rules of `ClientAuthTests` (`app/**` is alice's).
    static func securedStowage(_ upstream: UpstreamRegistry) async throws -> (StowageServer, TestCA) {
        let ca = try TestCA.make("Stowage Test CA")
        let identity = try ca.server()
        let config = ClientAuthTests.config(upstream, htpasswd: try ClientAuthTests.htpasswd())
        let stowage = try await StowageServer.start(config: config, extra: TLSTests.tlsFlags(identity))
        return (stowage, ca)
    }

    /// A directory of `ca.crt`, as containers/image's `--cert-dir` wants it.
    static func certificateDirectory(_ ca: TestCA) throws -> String {
        let directory = Paths.temporaryDirectory("certs")
        try FileManager.default.copyItem(atPath: ca.certificate, toPath: directory + "/ca.crt")
        return directory
    }

    @Test func skopeoLogsInAndPullsOverTLS() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (stowage, ca) = try await Self.securedStowage(upstream)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        let certificates = try Self.certificateDirectory(ca)
        let authfile = Paths.temporaryDirectory("auth") + "/auth.json"

        let wrong = try execute("/usr/bin/skopeo", ["login", "--cert-dir", certificates, "--authfile", authfile, "-u", "alice", "-p", "wrong", stowage.host])
        #expect(wrong.status != 0, "a wrong password fails to log in")
        try run("/usr/bin/skopeo", ["login", "--cert-dir", certificates, "--authfile", authfile, "-u", "alice", "-p", "alice-s3cret", stowage.host])
        let out = Paths.temporaryDirectory("skopeo")
        try run("/usr/bin/skopeo", ["copy", "--src-cert-dir", certificates, "--authfile", authfile, "--retry-times", "0",
                                    "docker://\(stowage.host)/app/oci:\(image.tag)", "dir:\(out)"])
        #expect(try Skopeo.verify(out, expecting: image.blobs.map(\.digest)) == [])
    }

    @Test func podmanLogsInAndPullsOverTLS() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (stowage, ca) = try await Self.securedStowage(upstream)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/docker-v2")
        let certificates = try Self.certificateDirectory(ca)
        let scratch = Paths.temporaryDirectory("podman")
        let authfile = scratch + "/auth.json"
        // Storage of its own (vfs works on any file system), so the machine's podman store is untouched.
        let podman = ["--root", scratch + "/root", "--runroot", scratch + "/run", "--storage-driver", "vfs"]

        try run("/usr/bin/podman", podman + ["login", "--cert-dir", certificates, "--authfile", authfile, "-u", "alice", "-p", "alice-s3cret", stowage.host])
        try run("/usr/bin/podman", podman + ["pull", "--cert-dir", certificates, "--authfile", authfile, "\(stowage.host)/app/docker-v2:\(image.tag)"])
        let digest = try run("/usr/bin/podman", podman + ["image", "inspect", "--format", "{{.Digest}}", "\(stowage.host)/app/docker-v2:\(image.tag)"])
        #expect(digest.trimmingCharacters(in: .whitespacesAndNewlines) == image.digest)
        // bob may not read app/**: podman's pull fails, and nothing of the image reaches it.
        let bobsAuthfile = scratch + "/bob.json"
        try run("/usr/bin/podman", podman + ["login", "--cert-dir", certificates, "--authfile", bobsAuthfile, "-u", "bob", "-p", "bob-s3cret", stowage.host])
        let denied = try execute("/usr/bin/podman", podman + ["pull", "--cert-dir", certificates, "--authfile", bobsAuthfile,
                                                              "\(stowage.host)/app/oci:\(upstream.images.named("app/oci").tag)"])
        #expect(denied.status != 0)
    }

    @Test func containerdPullsOverTLSWithTheCAAndAnAuthorizationHeaderInHostsToml() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (stowage, ca) = try await Self.securedStowage(upstream)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        let header = ClientAuthTests.alice.1
        try await Containerd.with { containerd in
            let hosts = Containerd.httpsHostsTOML(registry: stowage.host, ca: ca.certificate, authorization: header)
            let hostsDir = try containerd.writeHosts([stowage.host: hosts])
            let pull = try await containerd.pull("\(stowage.host)/app/oci:\(image.tag)", hostsDir: hostsDir)
            try #require(pull.status == 0, "ctr images pull exited \(pull.status):\n\(pull.output)")
            let listing = try await containerd.ctr(["images", "ls"]).output
            #expect(listing.contains(image.digest), "\(listing)")
        }
        let log = await stowage.logWithAccessLines()
        #expect(log.contains("user=alice"))
        #expect(!log.contains(header.dropFirst("Basic ".count)), "the credentials never reach the log")
    }
}
