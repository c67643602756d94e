import Foundation
import Testing

/// Stowage serving HTTPS with certificates of a test CA (made with `openssl`), to real clients:
/// skopeo, containerd (`ca =` in hosts.toml), curl and `openssl s_client`. Files replaced on disk are
/// used for new handshakes within two seconds, without a restart; connections already open keep
/// working.
@Suite(.serialized) struct TLSTests {
    static func tlsFlags(_ identity: (certificate: String, key: String)) -> [String] {
        ["--tls-certificate", identity.certificate, "--tls-key", identity.key]
    }

    @Test func skopeoPullsAnImageOverTLSTrustingOnlyTheTestCA() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let ca = try TestCA.make("Stowage Test CA")
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: Self.tlsFlags(try ca.server()))
        defer { Task { await stowage.stop() } }
        #expect(stowage.url.hasPrefix("https://127.0.0.1:"))
        let image = upstream.images.named("app/oci")

        // skopeo's --src-cert-dir: *.crt files there are the CAs trusted for this registry.
        let certificates = Paths.temporaryDirectory("certs")
        try FileManager.default.copyItem(atPath: ca.certificate, toPath: certificates + "/ca.crt")
        let out = Paths.temporaryDirectory("skopeo")
        try run("/usr/bin/skopeo", ["copy", "--src-cert-dir", certificates, "--src-no-creds", "--retry-times", "0",
                                    "docker://\(stowage.host)/app/oci:\(image.tag)", "dir:\(out)"])
        #expect(try Skopeo.verify(out, expecting: image.blobs.map(\.digest)) == [])
    }

    @Test func coldAndWarmBlobsAndRangesArriveWholeOverTLS() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let ca = try TestCA.make("Stowage Test CA")
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: Self.tlsFlags(try ca.server()))
        defer { Task { await stowage.stop() } }
        let blob = try #require(upstream.images.named("app/oci").blobs.max { $0.size < $1.size })
        let url = "\(stowage.url)/v2/app/oci/blobs/\(blob.digest)"

        // Cold: followed as it lands; warm: read from the committed file. Both through the encrypter.
        for pass in ["cold", "warm"] {
            let result = try Curl.request(url, caFile: ca.certificate)
            #expect(result.status == 200, "\(pass)")
            #expect(result.body.count == Int(blob.size), "\(pass)")
            #expect(sha256(result.body) == blob.digest, "\(pass)")
        }
        let whole = try Curl.request(url, caFile: ca.certificate).body
        let ranged = try Curl.request(url, caFile: ca.certificate, headers: ["Range: bytes=10-99"])
        #expect(ranged.status == 206)
        #expect(ranged.headers["content-range"] == "bytes 10-99/\(blob.size)")
        #expect(ranged.body == Array(whole[10...99]))
    }

    @Test func containerdPullsOverTLSWithTheCAInHostsToml() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let ca = try TestCA.make("Stowage Test CA")
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: Self.tlsFlags(try ca.server()))
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        try await Containerd.with { containerd in
            let hostsDir = try containerd.writeHosts([stowage.host: Containerd.httpsHostsTOML(registry: stowage.host, ca: ca.certificate)])
            let pull = try await containerd.pull("\(stowage.host)/app/oci:\(image.tag)", hostsDir: hostsDir)
            try #require(pull.status == 0, "ctr images pull exited \(pull.status):\n\(pull.output)")
            let listing = try await containerd.ctr(["images", "ls"]).output
            #expect(listing.contains(image.digest), "\(listing)")
        }
    }

    @Test func aReplacedCertificateServesNewHandshakesWithinTwoSecondsAndAHeldConnectionKeepsWorking() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (first, second) = (try TestCA.make("First CA"), try TestCA.make("Second CA"))
        let directory = Paths.temporaryDirectory("tls")
        let (certificate, key) = (directory + "/tls.crt", directory + "/tls.key")
        try Self.install(try first.server(), certificate: certificate, key: key)
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--tls-certificate", certificate, "--tls-key", key])
        defer { Task { await stowage.stop() } }
        let held = try HeldTLSConnection(host: stowage.host, caFile: first.certificate)
        defer { held.close() }
        #expect(try held.get("/v2/") == 200)
        #expect(try Curl.request("\(stowage.url)/v2/", caFile: second.certificate).exitStatus == 60, "the second CA does not sign the first certificate")

        // Replaced as an operator (or cert-manager) does: each file renamed into place.
        try Self.install(try second.server(), certificate: certificate, key: key)
        let replaced = ContinuousClock.now
        var answer = try Curl.request("\(stowage.url)/v2/", caFile: second.certificate)
        while answer.status != 200 && ContinuousClock.now - replaced < .seconds(3) {
            try await Task.sleep(for: .milliseconds(100))
            answer = try Curl.request("\(stowage.url)/v2/", caFile: second.certificate)
        }
        let took = ContinuousClock.now - replaced
        #expect(answer.status == 200)
        #expect(took < .seconds(2), "new handshakes got the new certificate after \(took)")
        #expect(try held.get("/v2/") == 200, "the connection opened before keeps its certificate and works")
        #expect(try Curl.request("\(stowage.url)/v2/", caFile: first.certificate).exitStatus == 60, "the old certificate is no longer served")
        #expect(stowage.log().contains("TLS certificate reloaded"))
    }

    @Test func aReplacedClientCAAdmitsItsClientsWithinTwoSecondsAndAHeldConnectionKeepsWorking() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (server, oldClients, newClients) = (try TestCA.make("Server CA"), try TestCA.make("Old client CA"), try TestCA.make("New client CA"))
        let clientCA = Paths.temporaryDirectory("tls") + "/clients.crt"
        try FileManager.default.copyItem(atPath: oldClients.certificate, toPath: clientCA)
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: Self.tlsFlags(try server.server()) + ["--tls-client-ca", clientCA])
        defer { Task { await stowage.stop() } }
        let (oldClient, newClient) = (try oldClients.client("old"), try newClients.client("new"))
        #expect(try Curl.request("\(stowage.url)/v2/", caFile: server.certificate).status == 0, "no client certificate: no answer")
        #expect(try Curl.request("\(stowage.url)/v2/", caFile: server.certificate, clientCertificate: oldClient).status == 200)
        #expect(try Curl.request("\(stowage.url)/v2/", caFile: server.certificate, clientCertificate: newClient).status == 0)
        let held = try HeldTLSConnection(host: stowage.host, caFile: server.certificate, clientCertificate: oldClient)
        defer { held.close() }
        #expect(try held.get("/v2/") == 200)

        let staged = clientCA + ".new"
        try FileManager.default.copyItem(atPath: newClients.certificate, toPath: staged)
        #expect(rename(staged, clientCA) == 0)
        let replaced = ContinuousClock.now
        var status = 0
        while status != 200 && ContinuousClock.now - replaced < .seconds(3) {
            try await Task.sleep(for: .milliseconds(100))
            status = try Curl.request("\(stowage.url)/v2/", caFile: server.certificate, clientCertificate: newClient).status
        }
        let took = ContinuousClock.now - replaced
        #expect(status == 200)
        #expect(took < .seconds(2), "the new client CA admitted its clients after \(took)")
        #expect(try Curl.request("\(stowage.url)/v2/", caFile: server.certificate, clientCertificate: oldClient).status == 0,
                "the old client CA no longer admits new connections")
        #expect(try held.get("/v2/") == 200, "the connection opened before keeps working")
    }

    @Test func aKeyThatDoesNotGoWithTheCertificateStopsStartUpNamingBothFiles() async throws {
        let ca = try TestCA.make("Stowage Test CA")
        let (one, other) = (try ca.server("one"), try ca.server("other"))
        let result = try StowageCLI.run(["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off", "--tls-certificate", one.certificate,
                                         "--tls-key", other.key], storage: Paths.temporaryDirectory("storage"))
        #expect(result.status == 1)
        #expect(result.output.contains("TLS file \(other.key) does not go with the certificate in \(one.certificate)"), "\(result.output)")
    }

    @Test func aCertificateWithoutItsKeyIsABadConfiguration() async throws {
        let ca = try TestCA.make("Stowage Test CA")
        let result = try StowageCLI.run(["serve", "--listen", "127.0.0.1:0", "--tls-certificate", try ca.server().certificate],
                                        storage: Paths.temporaryDirectory("storage"))
        #expect(result.status == 2)
        #expect(result.output.contains("tls.key: is missing: a TLS certificate needs its private key (PEM)"), "\(result.output)")
    }

    /// Copies an identity over `certificate` and `key`, each by a rename (a reader never sees half a file).
    static func install(_ identity: (certificate: String, key: String), certificate: String, key: String) throws {
        for (source, target) in [(identity.key, key), (identity.certificate, certificate)] {
            let staged = target + ".new"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: source, toPath: staged)
            guard rename(staged, target) == 0 else { throw HarnessError("rename \(staged): \(errno)") }
        }
    }
}
