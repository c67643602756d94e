import Testing
@testable import Upstream

@Suite struct AuthChallengeTests {
    @Test func readsABearerChallengeWithRealmServiceAndScope() throws {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#
        let challenge = try #require(AuthChallenge.preferred(from: [header]))
        #expect(challenge.scheme == .bearer)
        #expect(challenge.realm == "https://auth.docker.io/token")
        #expect(challenge.service == "registry.docker.io")
        #expect(challenge.scope == "repository:samalba/my-app:pull,push")
    }

    @Test func theSchemeIsCaseInsensitive() {
        #expect(AuthChallenge.preferred(from: [#"bearer realm="r""#])?.scheme == .bearer)
        #expect(AuthChallenge.preferred(from: [#"BASIC realm="r""#])?.scheme == .basic)
    }

    @Test func quotedValuesKeepCommasSpacesAndEscapes() {
        let challenge = AuthChallenge.parse(#"Bearer realm="https://x/t",scope="repository:a:pull repository:b:pull",error="a \"quoted\", value""#).first
        #expect(challenge?.scope == "repository:a:pull repository:b:pull")
        #expect(challenge?.error == #"a "quoted", value"#)
    }

    @Test func bearerIsPreferredOverBasicAmongSeveralChallenges() {
        let header = #"Basic realm="basic-realm", Bearer realm="https://t/token",service="svc""#
        let challenge = AuthChallenge.preferred(from: [header])
        #expect(challenge?.scheme == .bearer)
        #expect(challenge?.realm == "https://t/token")
        #expect(AuthChallenge.parse(header).count == 2)
    }

    @Test func unquotedValuesAndMissingParametersAreRead() {
        let challenge = AuthChallenge.parse("Bearer realm=https://t/token").first
        #expect(challenge?.realm == "https://t/token")
        #expect(challenge?.service == nil)
        #expect(challenge?.scope == nil)
    }

    @Test(arguments: ["", "   ", "Negotiate abc", "=,=,\"", "Bearer realm=\"unterminated", ",,,"])
    func garbageNeverCrashes(_ header: String) {
        _ = AuthChallenge.parse(header)
        _ = AuthChallenge.preferred(from: [header])
    }

    @Test func unknownSchemesAreIgnored() {
        #expect(AuthChallenge.preferred(from: [#"Negotiate, Digest realm="x""#]) == nil)
    }
}

@Suite struct BearerTokenTests {
    @Test func accessTokenWinsOverToken() {
        let token = BearerToken.decode(Array(#"{"token":"a","access_token":"b","expires_in":300}"#.utf8), receivedAt: .now)
        #expect(token?.value == "b")
    }

    @Test func tokenAloneIsEnough() {
        #expect(BearerToken.decode(Array(#"{"token":"a"}"#.utf8), receivedAt: .now)?.value == "a")
    }

    @Test func aLifetimeUnder60SecondsCountsAs60() throws {
        let now = ContinuousClock.now
        let token = try #require(BearerToken.decode(Array(#"{"token":"a","expires_in":5}"#.utf8), receivedAt: now))
        #expect(token.isValid(at: now + .seconds(45)))
        #expect(!token.isValid(at: now + .seconds(55)))
    }

    @Test func noTokenIsNoToken() {
        #expect(BearerToken.decode(Array(#"{"expires_in":300}"#.utf8), receivedAt: .now) == nil)
        #expect(BearerToken.decode(Array("not json".utf8), receivedAt: .now) == nil)
    }
}

@Suite struct UpstreamSettingsTests {
    @Test func aPrefixIsPutInFrontOfEveryRepository() {
        let settings = UpstreamSettings(name: "p", baseURL: "https://p", repositoryPrefix: "proxy/my-app")
        #expect(settings.upstreamRepository("docker.io/library/nginx") == "proxy/my-app/docker.io/library/nginx")
        #expect(UpstreamSettings(name: "p", baseURL: "https://p").upstreamRepository("x") == "x")
    }

    @Test func credentialsNeverShowThePassword() {
        let credentials = UpstreamCredentials(username: "customer@example.com", password: "lic_secret")
        #expect(!"\(credentials)".contains("lic_secret"))
        #expect(!String(reflecting: UpstreamSettings(name: "p", baseURL: "https://p", credentials: credentials).credentials!).contains("lic_secret"))
    }

    @Test func errorMessagesNameTheUpstream() {
        #expect(UpstreamError.timedOut(upstream: "vendor-proxy").description.contains("vendor-proxy"))
        #expect(UpstreamError.unauthorized(upstream: "vendor-proxy", detail: "x").description.contains("vendor-proxy"))
    }
}
