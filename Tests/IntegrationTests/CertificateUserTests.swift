import Foundation
import Testing

/// Mutual TLS as an identity (`auth.certificateUsers`): a client certificate the client CA signed
/// is its subject common name's user, under the same rules as htpasswd users; and the metrics
/// listener over the same TLS (`metrics.tls`).
@Suite(.serialized) struct CertificateUserTests {
    /// No htpasswd file: every client is who its certificate says. `app/**` is alice's.
    static func config(_ upstream: UpstreamRegistry, server: (certificate: String, key: String), clientCA: String) -> String {
        """
        upstream:
          url: \(upstream.url)
          username: \(UpstreamRegistry.user)
          password: \(UpstreamRegistry.password)
        tls:
          certificate: \(server.certificate)
          key: \(server.key)
          clientCA: \(clientCA)
        metrics:
          listen: 127.0.0.1:0
          tls: true
        auth:
          certificateUsers: true
          rules:
            - repositories: "app/**"
              users: [alice]

        """
    }

    @Test func aClientCertificatesCommonNameIsItsUserForTheRules() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (serverCA, clientCA) = (try TestCA.make("Server CA"), try TestCA.make("Client CA"))
        let stowage = try await StowageServer.start(config: Self.config(upstream, server: try serverCA.server(), clientCA: clientCA.certificate))
        defer { Task { await stowage.stop() } }
        let (alice, bob) = (try clientCA.client("alice"), try clientCA.client("bob"))
        let image = upstream.images.named("app/oci")
        let manifest = "\(stowage.url)/v2/app/oci/manifests/\(image.tag)"

        let allowed = try Curl.request(manifest, caFile: serverCA.certificate, clientCertificate: alice, headers: ["Accept: \(acceptAll.1)"])
        #expect(allowed.status == 200)
        #expect(allowed.headers["docker-content-digest"] == image.digest)
        let blob = try Curl.request("\(stowage.url)/v2/app/oci/blobs/\(image.blobs[0].digest)", caFile: serverCA.certificate, clientCertificate: alice)
        #expect(sha256(blob.body) == image.blobs[0].digest)

        let denied = try Curl.request(manifest, caFile: serverCA.certificate, clientCertificate: bob, headers: ["Accept: \(acceptAll.1)"])
        #expect(denied.status == 403)
        #expect(denied.headers["docker-content-digest"] == nil)
        #expect(String(decoding: denied.body, as: UTF8.self).contains("user bob may not read repository app/oci"))
        let deniedBlob = try Curl.request("\(stowage.url)/v2/app/oci/blobs/\(image.blobs[0].digest)", caFile: serverCA.certificate, clientCertificate: bob)
        #expect(deniedBlob.status == 403, "a cached blob is no one else's either")

        let log = await stowage.logWithAccessLines()
        #expect(log.contains("status=200") && log.contains("user=alice"))
        #expect(log.contains("status=403") && log.contains("user=bob"))
    }

    @Test func credentialsOnACertifiedConnectionAreCheckedAndWrongOnesAre401() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (serverCA, clientCA) = (try TestCA.make("Server CA"), try TestCA.make("Client CA"))
        let stowage = try await StowageServer.start(config: Self.config(upstream, server: try serverCA.server(), clientCA: clientCA.certificate))
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        // alice's certificate, but Basic credentials no htpasswd file knows: the credentials decide.
        let answer = try Curl.request("\(stowage.url)/v2/app/oci/manifests/\(image.tag)", caFile: serverCA.certificate,
                                      clientCertificate: try clientCA.client("alice"), user: "alice:guess")
        #expect(answer.status == 401)
        #expect(answer.headers["www-authenticate"] == "Basic realm=\"Stowage\"")
    }

    @Test func theMetricsListenerSpeaksTheListenersTLSAndAsksForAClientCertificate() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (serverCA, clientCA) = (try TestCA.make("Server CA"), try TestCA.make("Client CA"))
        let stowage = try await StowageServer.start(config: Self.config(upstream, server: try serverCA.server(), clientCA: clientCA.certificate))
        defer { Task { await stowage.stop() } }
        let metricsURL = try #require(stowage.metricsURL)
        #expect(metricsURL.hasPrefix("https://127.0.0.1:"))
        let scraped = try Curl.request(metricsURL, caFile: serverCA.certificate, clientCertificate: try clientCA.client("prometheus"))
        #expect(scraped.status == 200)
        #expect(String(decoding: scraped.body, as: UTF8.self).contains("registry_proxy_requests_total"))
        #expect(try Curl.request(metricsURL, caFile: serverCA.certificate).status == 0, "no client certificate: no handshake")
        let plain = try Curl.request(metricsURL.replacingOccurrences(of: "https://", with: "http://"), caFile: serverCA.certificate)
        #expect(plain.status != 200, "no plain HTTP")
    }

    @Test func aRealPrometheusScrapesTheMetricsOverTLSWithItsClientCertificate() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let (serverCA, clientCA) = (try TestCA.make("Server CA"), try TestCA.make("Client CA"))
        let stowage = try await StowageServer.start(config: Self.config(upstream, server: try serverCA.server(), clientCA: clientCA.certificate))
        defer { Task { await stowage.stop() } }
        let target = try #require(stowage.metricsURL?.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "/metrics", with: ""))
        let prometheus = try await PrometheusServer.start(scraping: target, tls: (serverCA.certificate, try clientCA.client("prometheus")))
        defer { Task { await prometheus.stop() } }
        let image = upstream.images.named("app/oci")
        let answer = try Curl.request("\(stowage.url)/v2/app/oci/manifests/\(image.tag)", caFile: serverCA.certificate,
                                      clientCertificate: try clientCA.client("alice"), headers: ["Accept: \(acceptAll.1)"])
        #expect(answer.status == 200)
        try await prometheus.waitForScrape(after: Date())
        #expect(try await prometheus.query(#"up{job="stowage"}"#) == 1)
        #expect(try await prometheus.query(#"registry_proxy_requests_total{type="manifest"}"#) == 1)
    }

    @Test func theShippedScrapeConfigIsValid() throws {
        let result = try execute("/usr/bin/promtool", ["check", "config", Paths.packageRoot + "/Deploy/prometheus/stowage.yml"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    }
}
