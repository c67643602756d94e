import Foundation
import StowageConfig
import Testing
import Upstream

@Suite struct ServeSettingsTests {
    func settings(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides(), environment: [String: String] = [:]) throws -> ServeSettings {
        try ServeSettings.resolve(file: try ConfigLoader.parse(yaml), overrides: overrides, environment: environment)
    }

    func error(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides(), environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try settings(yaml, overrides, environment: environment)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return ConfigError(key: "?", problem: "\(error)")
        }
    }

    @Test func theShippedExampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let path = root + "/Configs/stowage.yaml"
        let resolved = try ServeSettings.resolve(file: try ConfigLoader.load(path: path), overrides: ServeOverrides(), environment: [:])
        #expect(resolved.listenHost == "127.0.0.1")
        #expect(resolved.listenPort == 5000)
        #expect(resolved.storage == StorageSettings(path: root + "/Storage", maxBytes: 10 << 30), "the repository's Storage/, from any directory")
        #expect(resolved.upstream.baseURL == "https://registry-1.docker.io")
    }

    @Test func theShippedOfflineConfigNamesTheDeployedUpstreamsWithoutURLs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let resolved = try ServeSettings.resolve(file: try ConfigLoader.load(path: root + "/Configs/offline.yaml"), overrides: ServeOverrides(),
                                                 environment: [:])
        #expect(resolved.upstreams.map(\.settings.name) == ["hub", "ghcr", "quay", "vendor"])
        #expect(resolved.upstreams.allSatisfy { !$0.settings.isConfigured })
        #expect(resolved.upstreams.map(\.pathPrefix) == [nil, "ghcr", "quay", "vendor"], "the paths of Deploy/registries.conf.d/stowage.conf")
    }

    @Test(arguments: ["http://customer%40example.com:LICENSE123@registry.example:5000", "https://LICENSE123@registry.example/v2x"])
    func anUpstreamURLWithCredentialsIsRefusedWithoutRepeatingThem(_ url: String) throws {
        let fromFile = try #require(error("upstream: {url: \"\(url)\"}"))
        #expect(fromFile.key == "upstream.url")
        #expect(fromFile.problem.hasPrefix("holds credentials (\(url.hasPrefix("https") ? "https" : "http")://***@registry.example"), "\(fromFile)")
        #expect(fromFile.problem.contains("passwordFile"))
        #expect(!"\(fromFile)".contains("LICENSE123"))
        var overrides = ServeOverrides()
        overrides.upstreamURL = url
        let fromFlag = try #require(error("listen: 127.0.0.1:5000", overrides))
        #expect(fromFlag.key == "--upstream")
        #expect(!"\(fromFlag)".contains("LICENSE123"))
    }

    @Test func flagsWinOverTheFile() throws {
        var overrides = ServeOverrides()
        overrides.listen = "0.0.0.0:6000"
        overrides.upstreamURL = "http://127.0.0.1:9/"
        overrides.upstreamPrefix = "/proxy/my-app/"
        let resolved = try settings("listen: 127.0.0.1:5000\nupstream: {url: https://a.example}", overrides)
        #expect(resolved.listenHost == "0.0.0.0")
        #expect(resolved.listenPort == 6000)
        #expect(resolved.upstream.baseURL == "http://127.0.0.1:9")
        #expect(resolved.upstream.repositoryPrefix == "proxy/my-app")
    }

    @Test func everyUpstreamTimingKeyHasAFlagThatWins() throws {
        var overrides = ServeOverrides()
        overrides.readTimeout = "7s"
        overrides.stallTimeout = "3s"
        overrides.breakerThreshold = 3
        let upstream = try settings("upstream: {url: https://a.example, readTimeout: 60s, breakerThreshold: 1}", overrides).upstreams[0].settings
        #expect(upstream.readTimeout == .seconds(7))
        #expect(upstream.stallTimeout == .seconds(3))
        #expect(upstream.breaker.threshold == 3)
        overrides.breakerThreshold = 0
        #expect(error("upstream: {url: https://a.example}", overrides)?.key == "--breaker-threshold")
    }

    @Test func aPasswordFileLosesItsTrailingNewline() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("license-\(UUID())").path
        try "lic_123\n".write(toFile: path, atomically: true, encoding: .utf8)
        let resolved = try settings("upstream: {url: https://p.example, username: me@example.com, passwordFile: \(path)}")
        #expect(resolved.upstream.credentials?.username == "me@example.com")
        #expect(resolved.upstream.credentials?.password == "lic_123")
    }

    @Test func aPasswordComesFromTheNamedEnvironmentVariable() throws {
        let resolved = try settings("upstream: {url: https://p.example, username: u, passwordEnv: LICENSE}", environment: ["LICENSE": "s3cret"])
        #expect(resolved.upstream.credentials?.password == "s3cret")
    }

    @Test func aDockerConfigJSONSuppliesTheEntryForTheUpstreamHost() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dockerconfig-\(UUID())").path
        let auth = Data("customer@example.com:lic_42".utf8).base64EncodedString()
        let json = #"{"auths":{"other.example":{"auth":"eDp5"},"proxy.example.com":{"auth":"\#(auth)"}}}"#
        try Data(json.utf8).base64EncodedString().write(toFile: path, atomically: true, encoding: .utf8)
        let resolved = try settings("upstream: {url: https://proxy.example.com, dockerConfigJSON: \(path)}")
        #expect(resolved.upstream.credentials?.username == "customer@example.com")
        #expect(resolved.upstream.credentials?.password == "lic_42")
    }

    @Test func anUnknownKeyIsNamed() {
        #expect(error("upstream: {url: https://a.example, pasword: x}")?.key == "upstream.pasword")
        #expect(error("listn: 1.2.3.4:5")?.key == "listn")
    }

    @Test func aRepositoryPrefixMustBeARepositoryPath() throws {
        #expect(error("upstream: {url: https://a.example, repositoryPrefix: 'proxy/My App'}")?.key == "upstream.repositoryPrefix")
        #expect(error("upstream: {name: a, repositoryPrefix: 'x\"y'}")?.key == "upstream.repositoryPrefix")
        #expect(try settings("upstream: {url: https://a.example, repositoryPrefix: /proxy/app/}").upstreams[0].settings.repositoryPrefix == "proxy/app")
    }

    @Test func noUpstreamAtAllMeansServingTheStoreOnly() throws {
        #expect(try settings("listen: 127.0.0.1:5000").upstreams.isEmpty)
        #expect(try settings("upstreams: []").upstreams.isEmpty)
    }

    @Test func anUpstreamWithoutURLOrNameIsNamed() {
        #expect(error("upstream: {namespaces: [a.example]}")?.key == "upstream.url")
    }

    @Test func aFlagNamingAnUpstreamNeedsOne() {
        var overrides = ServeOverrides()
        overrides.upstreamUsername = "someone"
        #expect(error("listen: 127.0.0.1:5000", overrides)?.key == "--upstream-username")
    }

    @Test func aDockerConfigJSONMayBeGivenAsItsBase64Value() throws {
        let auth = Data("customer@example.com:lic_42".utf8).base64EncodedString()
        let value = Data(#"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(auth)"}}}"#.utf8).base64EncodedString()
        var overrides = ServeOverrides()
        overrides.upstreamDockerConfigJSON = value
        let resolved = try settings("upstream: {url: https://registry-1.docker.io}", overrides)
        #expect(resolved.upstream.credentials?.username == "customer@example.com", "Docker Hub's entry under another alias")
        #expect(resolved.upstream.credentials?.password == "lic_42")
    }

    @Test func aDockerConfigJSONThatIsNeitherFileNorBase64IsNamed() {
        var overrides = ServeOverrides()
        overrides.upstreamDockerConfigJSON = "/no/such/config.json"
        #expect(error("upstream: {url: https://proxy.example.com}", overrides)?.key == "upstream.dockerConfigJSON")
    }

    @Test(arguments: ["ftp://x", "not a url", "https://", "http://h?x=1"])
    func aBadUpstreamURLIsNamed(_ url: String) {
        #expect(error("upstream: {url: \"\(url)\"}")?.key == "upstream.url")
    }

    @Test(arguments: ["5000", "host:", "host:99999", ":", ":x"])
    func aBadListenAddressIsNamed(_ listen: String) {
        #expect(error("listen: \"\(listen)\"\nupstream: {url: https://a.example}")?.key == "listen")
    }

    @Test func aListenAddressWithoutHostIsEveryInterface() throws {
        let resolved = try settings("listen: \":5000\"\nupstream: {url: https://a.example}")
        #expect(resolved.listenHost == "0.0.0.0")
        #expect(resolved.listenPort == 5000)
    }

    @Test func anUpstreamURLEndingInV2GetsAHint() {
        let failure = error("upstream: {url: \"https://registry.example.com/v2/\"}")
        #expect(failure?.key == "upstream.url")
        #expect(failure?.problem.contains("ends in /v2: give the registry's base URL without it") == true)
    }

    @Test func aBadDurationIsNamed() {
        #expect(error("upstream: {url: https://a.example, connectTimeout: soon}")?.key == "upstream.connectTimeout")
    }

    @Test func twoPasswordSourcesAreRefused() {
        #expect(error("upstream: {url: https://a.example, username: u, password: p, passwordEnv: E}", environment: ["E": "x"])?.key == "upstream.password")
    }

    @Test func aUsernameWithoutPasswordIsRefused() {
        #expect(error("upstream: {url: https://a.example, username: u}")?.key == "upstream.password")
    }

    @Test func anUnsetPasswordVariableIsNamed() {
        #expect(error("upstream: {url: https://a.example, username: u, passwordEnv: NOPE}")?.key == "upstream.passwordEnv")
    }

    @Test func invalidYAMLIsReported() {
        #expect(error("upstream: [unclosed") != nil)
    }

    @Test func tagTTLDefaultsToAMinuteAndZeroMeansAlwaysRevalidate() throws {
        #expect(try settings("upstream: {url: https://a.example}").tagTTL == .seconds(60))
        #expect(try settings("upstream: {url: https://a.example, tagTTL: 0s}").tagTTL == .zero)
        var overrides = ServeOverrides()
        overrides.tagTTL = "5m"
        #expect(try settings("upstream: {url: https://a.example, tagTTL: 0s}", overrides).tagTTL == .seconds(300))
        #expect(error("upstream: {url: https://a.example, tagTTL: -1s}")?.key == "upstream.tagTTL")
    }

    @Test func durationsAcceptCommonUnits() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("5s") == .seconds(5))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("1.5") == .milliseconds(1500))
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.parse("soon") == nil)
    }

    /// Found by the config fuzzer: a duration beyond what Int64 milliseconds hold trapped at start-up.
    @Test(arguments: ["1e300s", "0" + String(repeating: "9", count: 80), "9.3e15s", "inf", "nan"])
    func aDurationTooLargeToHoldIsRefusedNotACrash(_ text: String) throws {
        #expect(DurationText.parse(text) == nil)
        #expect(error("upstream: {url: https://a.example, tagTTL: \(text)}")?.key == "upstream.tagTTL")
    }
}

extension ServeSettings {
    /// The one upstream of a single-upstream config.
    var upstream: UpstreamSettings { upstreams[0].settings }
    var tagTTL: Duration { upstreams[0].tagTTL }
}
