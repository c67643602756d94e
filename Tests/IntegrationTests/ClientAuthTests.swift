import Foundation
import Testing

/// Client authentication against an htpasswd file written by Apache's `htpasswd -B` (bcrypt), with
/// per-repository rules: who gets a challenge, who is denied, and that a denied user gets no byte of
/// a repository's content, even content another user's pull put in the cache.
@Suite(.serialized) struct ClientAuthTests {
    static let users = [("alice", "alice-s3cret"), ("bob", "bob-s3cret")]

    /// An htpasswd file made by the real tool, one bcrypt line per user.
    static func htpasswd() throws -> String {
        let path = Paths.temporaryDirectory("auth") + "/htpasswd"
        for (index, (user, password)) in users.enumerated() {
            try run("/usr/bin/htpasswd", (index == 0 ? ["-c"] : []) + ["-B", "-b", path, user, password])
        }
        return path
    }

    /// `app/**` is alice's, `charts/**` any user's, `closed/**` nobody's; the rest follows `anonymousRead`.
    static func config(_ upstream: UpstreamRegistry, htpasswd: String, anonymousRead: Bool = false) -> String {
        """
        upstream:
          url: \(upstream.url)
          username: \(UpstreamRegistry.user)
          password: \(UpstreamRegistry.password)
        auth:
          htpasswd: \(htpasswd)
          anonymousRead: \(anonymousRead)
          failureDelay: 200ms
          rules:
            - repositories: "app/**"
              users: [alice]
            - repositories: "charts/**"
              access: authenticated
            - repositories: "closed/**"
              access: nobody

        """
    }

    static func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    static let alice = basic("alice", "alice-s3cret")
    static let bob = basic("bob", "bob-s3cret")

    @Test func aClientWithoutCredentialsGetsTheBasicChallengeAndNoContent() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(config: Self.config(upstream, htpasswd: try Self.htpasswd()))
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        for path in ["/v2/", "/v2/app/oci/manifests/\(image.tag)", "/v2/app/oci/blobs/\(image.blobs[0].digest)", "/v2/charts/mychart/tags/list",
                     "/v2/_catalog", "/v2/elsewhere/x/manifests/1.0"] {
            let answer = try await HTTP.get(stowage.url + path, headers: [acceptAll])
            #expect(answer.status == 401, "\(path)")
            #expect(answer.header("WWW-Authenticate") == "Basic realm=\"Stowage\"", "\(path)")
            #expect(answer.errorCode == "UNAUTHORIZED", "\(path)")
        }
        // Probes stay open: kubelets and load balancers send no credentials.
        #expect(try await HTTP.get(stowage.url + "/livez").status == 200)
    }

    @Test func aWrongPasswordGets401AfterTheFailureDelayAndIsCounted() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(config: Self.config(upstream, htpasswd: try Self.htpasswd()))
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        for credentials in [Self.basic("alice", "wrong"), Self.basic("mallory", "alice-s3cret")] {
            let started = ContinuousClock.now
            let answer = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.tag)", headers: [credentials, acceptAll])
            #expect(answer.status == 401)
            #expect(answer.header("WWW-Authenticate") == "Basic realm=\"Stowage\"")
            #expect(answer.header("Docker-Content-Digest") == nil)
            #expect(answer.errorCode == "UNAUTHORIZED")
            #expect(ContinuousClock.now - started >= .milliseconds(200), "a failed attempt waits auth.failureDelay")
        }
        let malformed = try await HTTP.get("\(stowage.url)/v2/", headers: [("Authorization", "Bearer abc")])
        #expect(malformed.status == 401)
        let scrape = try await HTTP.get(try #require(stowage.metricsURL)).text
        #expect(scrape.contains("stowage_authentication_failures_total{reason=\"credentials\"} 2"), "\(scrape)")
        #expect(scrape.contains("stowage_authentication_failures_total{reason=\"malformed\"} 1"))
        let log = await stowage.logWithAccessLines()
        #expect(!log.contains("alice-s3cret") && !log.contains("wrong") && !log.contains(Self.alice.1.dropFirst(6)))
    }

    @Test func aUserDeniedARepositoryGetsNoManifestNoBlobNoTagsAndTheCatalogOmitsIt() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(config: Self.config(upstream, htpasswd: try Self.htpasswd()))
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        let chart = upstream.images.named("charts/mychart")

        // alice's pull puts app/oci in the cache; bob pulls a chart, which any user may.
        let manifest = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.tag)", headers: [Self.alice, acceptAll])
        #expect(manifest.status == 200)
        #expect(manifest.header("Docker-Content-Digest") == image.digest)
        for blob in image.blobs {
            let answer = try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/\(blob.digest)", headers: [Self.alice])
            #expect(sha256(answer.body) == blob.digest)
        }
        #expect(try await HTTP.get("\(stowage.url)/v2/charts/mychart/manifests/\(chart.tag)", headers: [Self.bob, acceptAll]).status == 200)

        // bob: every way into app/oci is 403 DENIED, with no content, the cached blobs included.
        var refused = [
            try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.tag)", headers: [Self.bob, acceptAll]),
            try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.digest)", headers: [Self.bob, acceptAll]),
            try await HTTP.get("\(stowage.url)/v2/app/oci/tags/list", headers: [Self.bob]),
        ]
        for blob in image.blobs {
            refused.append(try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/\(blob.digest)", headers: [Self.bob]))
        }
        for answer in refused {
            #expect(answer.status == 403)
            #expect(answer.errorCode == "DENIED")
            #expect(answer.header("Docker-Content-Digest") == nil)
            #expect(answer.text.contains("user bob may not read repository app/oci"), "\(answer.text)")
        }
        let head = try await HTTP.head("\(stowage.url)/v2/app/oci/blobs/\(image.blobs[0].digest)", headers: [Self.bob])
        #expect(head.status == 403)
        #expect(head.header("Content-Length") != "\(image.blobs[0].size)")
        // No credentials can open a closed repository: anonymous clients are denied, not challenged.
        #expect(try await HTTP.get("\(stowage.url)/v2/closed/x/manifests/1.0", headers: [Self.alice]).status == 403)
        #expect(try await HTTP.get("\(stowage.url)/v2/closed/x/manifests/1.0").status == 403)

        // The catalog names what each user may read, and nothing else.
        let bobsCatalog = try await HTTP.get("\(stowage.url)/v2/_catalog", headers: [Self.bob])
        #expect(bobsCatalog.status == 200)
        #expect(!bobsCatalog.text.contains("app/"), "\(bobsCatalog.text)")
        #expect(bobsCatalog.text.contains("charts/mychart"), "\(bobsCatalog.text)")
        let alicesCatalog = try await HTTP.get("\(stowage.url)/v2/_catalog", headers: [Self.alice])
        #expect(alicesCatalog.text.contains("app/oci"), "\(alicesCatalog.text)")

        // Each access line names the user.
        let log = await stowage.logWithAccessLines()
        #expect(log.contains("status=403") && log.contains("user=bob"))
    }

    @Test func anonymousReadLetsClientsWithoutCredentialsPullWhatNoRuleGuards() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(config: Self.config(upstream, htpasswd: try Self.htpasswd(), anonymousRead: true))
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/docker-v2")
        #expect(try await HTTP.get(stowage.url + "/v2/").status == 200)
        // app/** is alice's: anonymous clients are asked for credentials there.
        let guarded = try await HTTP.get("\(stowage.url)/v2/app/docker-v2/manifests/\(image.tag)", headers: [acceptAll])
        #expect(guarded.status == 401)
        // Wrong credentials are refused even where anonymous reads are allowed.
        #expect(try await HTTP.get("\(stowage.url)/v2/", headers: [Self.basic("alice", "wrong")]).status == 401)
    }

    @Test func anHtpasswdFileChangedOnDiskTakesEffectWithoutARestart() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let htpasswd = try Self.htpasswd()
        let stowage = try await StowageServer.start(config: Self.config(upstream, htpasswd: htpasswd))
        defer { Task { await stowage.stop() } }
        #expect(try await HTTP.get(stowage.url + "/v2/", headers: [Self.bob]).status == 200)
        try run("/usr/bin/htpasswd", ["-D", htpasswd, "bob"])
        try run("/usr/bin/htpasswd", ["-B", "-b", htpasswd, "carol", "carol-s3cret"])
        let changed = ContinuousClock.now
        var (bob, carol) = (200, 401)
        while (bob != 401 || carol != 200) && ContinuousClock.now - changed < .seconds(5) {
            try await Task.sleep(for: .milliseconds(100))
            bob = try await HTTP.get(stowage.url + "/v2/", headers: [Self.bob]).status
            carol = try await HTTP.get(stowage.url + "/v2/", headers: [Self.basic("carol", "carol-s3cret")]).status
        }
        #expect(bob == 401, "a removed user is refused within seconds")
        #expect(carol == 200, "an added user is let in within seconds")
        #expect(stowage.log().contains("htpasswd reloaded"))
    }
}
