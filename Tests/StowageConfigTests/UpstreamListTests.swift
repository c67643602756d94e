import Foundation
import StowageConfig
import Testing
import Upstream

@Suite struct UpstreamListTests {
    let twoUpstreams = """
        upstreams:
          - {name: hub, url: https://registry-1.docker.io, namespaces: [docker.io, Registry-1.Docker.io], default: true}
          - {name: ghcr, url: https://ghcr.io, namespaces: [ghcr.io], tagTTL: 5m, username: u, password: p}
        """

    func settings(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) throws -> ServeSettings {
        try ServeSettings.resolve(file: try ConfigLoader.parse(yaml), overrides: overrides, environment: [:])
    }

    func errorKey(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) -> String? {
        do {
            _ = try settings(yaml, overrides)
            return nil
        } catch {
            return (error as? ConfigError)?.key ?? "not a ConfigError: \(error)"
        }
    }

    @Test func aListConfiguresEachUpstreamWithItsOwnNamespacesDefaultAndTTL() throws {
        let upstreams = try settings(twoUpstreams).upstreams
        #expect(upstreams.map(\.settings.name) == ["hub", "ghcr"])
        #expect(upstreams[0].namespaces == ["docker.io", "registry-1.docker.io"])
        #expect(upstreams.map(\.isDefault) == [true, false])
        #expect(upstreams.map(\.tagTTL) == [.seconds(60), .seconds(300)])
        #expect(upstreams[1].settings.credentials == UpstreamCredentials(username: "u", password: "p"))
    }

    @Test func aSingleUpstreamIsTheDefaultUnlessItSaysOtherwise() throws {
        #expect(try settings("upstream: {url: https://a.example}").upstreams[0].isDefault)
        #expect(try settings("upstreams: [{url: https://a.example}]").upstreams[0].isDefault)
        #expect(try !settings("upstream: {url: https://a.example, default: false}").upstreams[0].isDefault)
    }

    @Test func flagsConfigureOneUpstreamWithRepeatableNamespaces() throws {
        var overrides = ServeOverrides()
        overrides.upstreamURL = "http://127.0.0.1:5001"
        overrides.upstreamName = "mirror"
        overrides.upstreamNamespaces = ["docker.io", "quay.io"]
        let upstreams = try settings("", overrides).upstreams
        #expect(upstreams.count == 1)
        #expect(upstreams[0].settings.baseURL == "http://127.0.0.1:5001")
        #expect(upstreams[0].namespaces == ["docker.io", "quay.io"])
        #expect(upstreams[0].isDefault)
    }

    @Test func theUpstreamFlagWithAListOfUpstreamsIsRefusedNotSilentlyReplacingIt() throws {
        var overrides = ServeOverrides()
        overrides.upstreamURL = "http://127.0.0.1:5001"
        #expect(errorKey(twoUpstreams, overrides) == "--upstream")
    }

    @Test func timingFlagsApplyToEveryUpstream() throws {
        var overrides = ServeOverrides()
        overrides.tagTTL = "0s"
        overrides.breakerBackoff = "3s"
        let upstreams = try settings(twoUpstreams, overrides).upstreams
        #expect(upstreams.map(\.tagTTL) == [.zero, .zero])
        #expect(upstreams.map(\.settings.breaker.backoff) == [.seconds(3), .seconds(3)])
    }

    @Test func identityFlagsAreRefusedWithSeveralUpstreams() {
        var overrides = ServeOverrides()
        overrides.upstreamNamespaces = ["docker.io"]
        #expect(errorKey(twoUpstreams, overrides) == "--upstream-namespace")
        overrides = ServeOverrides()
        overrides.upstreamUsername = "me"
        #expect(errorKey(twoUpstreams, overrides) == "--upstream-username")
    }

    @Test func aNamespaceBelongsToOneUpstream() {
        let yaml = """
            upstreams:
              - {name: a, url: https://a.example, namespaces: [docker.io]}
              - {name: b, url: https://b.example, namespaces: [index.docker.io]}
            """
        #expect(errorKey(yaml) == "upstreams[1].namespaces")
    }

    @Test func namesAreUniqueAndUsableAsAPathSegment() {
        #expect(errorKey("upstreams: [{name: a, url: https://a.example}, {name: a, url: https://b.example}]") == "upstreams[1].name")
        #expect(errorKey("upstreams: [{name: A/B, url: https://a.example}, {name: b, url: https://b.example}]") == "upstreams[0].name")
        // Two unnamed upstreams default to host:port, which is not a path segment.
        #expect(errorKey("upstreams: [{url: http://127.0.0.1:1}, {url: http://127.0.0.1:2}]") == "upstreams[0].name")
    }

    @Test func onlyOneUpstreamIsTheDefault() {
        #expect(errorKey("upstreams: [{name: a, url: https://a.example, default: true}, {name: b, url: https://b.example, default: true}]") == "upstreams[1].default")
    }

    @Test func badNamespacesAndKeysInsideTheListAreNamed() {
        #expect(errorKey("upstreams: [{name: a, url: https://a.example, namespaces: [\"not a host\"]}]") == "upstreams[0].namespaces")
        #expect(errorKey("upstreams: [{name: a, url: https://a.example}, {name: b, url: https://b.example, tagTL: 1s}]") == "upstreams[1].tagTL")
        #expect(errorKey("upstreams: [{name: a, url: https://a.example}, {namespaces: [b.example]}]") == "upstreams[1].url")
        #expect(errorKey("upstreams: [{name: a, url: https://a.example}, {name: b, url: https://b.example, tagTTL: soon}]") == "upstreams[1].tagTTL")
        #expect(errorKey("upstreams: {name: a}") == "upstreams")
    }

    @Test func aPathPrefixIsOneSegmentOfOneUpstreamAndNeverOnTheDefault() throws {
        let upstreams = try settings("upstreams: [{name: hub, url: https://a.example, default: true}, {name: ghcr, url: https://b.example, pathPrefix: ghcr}]").upstreams
        #expect(upstreams.map(\.pathPrefix) == [nil, "ghcr"])
        #expect(errorKey("upstreams: [{name: a, url: https://a.example, pathPrefix: x/y}]") == "upstreams[0].pathPrefix")
        #expect(errorKey("upstreams: [{name: a, url: https://a.example, pathPrefix: X}]") == "upstreams[0].pathPrefix")
        #expect(errorKey("upstreams: [{name: a, url: https://a.example, pathPrefix: m}, {name: b, url: https://b.example, pathPrefix: m}]") == "upstreams[1].pathPrefix")
        #expect(errorKey("upstreams: [{name: a, url: https://a.example, default: true, pathPrefix: a}, {name: b, url: https://b.example}]") == "upstreams[0].pathPrefix")
        #expect(errorKey("upstream: {url: https://a.example, pathPrefix: a}") == "upstream.pathPrefix", "a single upstream is the default")
    }

    @Test func anUpstreamWithoutURLIsOfflineAndRoutedAsConfigured() throws {
        let upstreams = try settings("upstreams: [{name: hub, namespaces: [docker.io], default: true}, {name: vendor, namespaces: [proxy.vendor.example], pathPrefix: vendor}]").upstreams
        #expect(upstreams.map(\.settings.isConfigured) == [false, false])
        #expect(upstreams.map(\.settings.name) == ["hub", "vendor"])
        #expect(upstreams.map(\.namespaces) == [["docker.io"], ["proxy.vendor.example"]])
        #expect(upstreams.map(\.pathPrefix) == [nil, "vendor"])
    }

    @Test func anOfflineUpstreamNeedsANameAndNoCredentials() {
        #expect(errorKey("upstreams: [{namespaces: [docker.io]}]") == "upstreams[0].url")
        #expect(errorKey("upstreams: [{name: vendor, username: u, passwordFile: /nonexistent}]") == "upstreams[0].url")
    }

    @Test func aCAFileThatIsMissingOrHoldsNoCertificateIsRefusedAtStartUp() throws {
        #expect(errorKey("upstream: {url: https://a.example, caFile: /nonexistent/ca.pem}") == "upstream.caFile")
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID().uuidString).pem").path
        try "hello".write(toFile: notPEM, atomically: true, encoding: .utf8)
        #expect(errorKey("upstream: {url: https://a.example, caFile: \(notPEM)}") == "upstream.caFile")
    }

    @Test func upstreamAndUpstreamsTogetherAreRefused() {
        #expect(errorKey("upstream: {url: https://a.example}\nupstreams: [{url: https://b.example}]") == "upstreams")
    }
}
