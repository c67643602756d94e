import Testing
@testable import Upstream

@Suite struct AuthChallengeTests {
    @Test func readsRealmServiceAndScopeOfABearerChallenge() throws {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#
        let challenge = try #require(AuthChallenge.preferred(from: [header]))
        #expect(challenge.scheme == .bearer)
        #expect(challenge.realm == "https://auth.docker.io/token")
        #expect(challenge.service == "registry.docker.io")
        #expect(challenge.scope == "repository:samalba/my-app:pull,push")
    }

    @Test func readsTheErrorParameter() {
        let challenge = AuthChallenge.parse(#"Bearer realm="https://t/token",error="insufficient_scope""#).first
        #expect(challenge?.error == "insufficient_scope")
    }

    @Test func aCommaInsideQuotesDoesNotEndTheValue() {
        let challenge = AuthChallenge.parse(#"Bearer realm="https://t/token",scope="repository:a:pull,push",service="s""#).first
        #expect(challenge?.scope == "repository:a:pull,push")
        #expect(challenge?.service == "s")
    }

    @Test func backslashEscapesInQuotedValuesAreUnescaped() {
        let challenge = AuthChallenge.parse(#"Bearer realm="https://t/token",error="a \"quoted\" \\ value""#).first
        #expect(challenge?.error == #"a "quoted" \ value"#)
    }

    @Test func spaceSeparatedScopesAreSplit() {
        let challenge = AuthChallenge.parse(#"Bearer realm="r",scope="repository:a:pull  repository:b:pull""#).first
        #expect(challenge?.scopes == ["repository:a:pull", "repository:b:pull"])
    }

    @Test func severalChallengesInOneHeaderValueAreAllRead() {
        let challenges = AuthChallenge.parse(#"Basic realm="basic-realm", Bearer realm="https://t/token",service="svc""#)
        #expect(challenges.map(\.scheme) == [.basic, .bearer])
        #expect(challenges.first?.realm == "basic-realm")
        #expect(challenges.last?.service == "svc")
    }

    @Test func bearerIsPreferredOverBasicWhicheverComesFirst() {
        let challenge = AuthChallenge.preferred(from: [#"Basic realm="b""#, #"Bearer realm="https://t/token""#])
        #expect(challenge?.scheme == .bearer)
        #expect(challenge?.realm == "https://t/token")
    }

    @Test func aBasicChallengeIsReadWhenItIsTheOnlyOne() {
        let challenge = AuthChallenge.preferred(from: [#"Basic realm="Registry Realm""#])
        #expect(challenge?.scheme == .basic)
        #expect(challenge?.realm == "Registry Realm")
    }

    @Test func aBareSchemeWithoutParametersIsAChallenge() {
        #expect(AuthChallenge.preferred(from: ["Basic"])?.scheme == .basic)
    }

    @Test(arguments: ["bearer", "BEARER", "BeArEr"])
    func theSchemeIsCaseInsensitive(_ scheme: String) {
        #expect(AuthChallenge.preferred(from: [#"\#(scheme) realm="https://t/token""#])?.scheme == .bearer)
    }

    @Test func parameterNamesAreCaseInsensitive() {
        let challenge = AuthChallenge.parse(#"Bearer Realm="https://t/token",SERVICE="s""#).first
        #expect(challenge?.realm == "https://t/token")
        #expect(challenge?.service == "s")
    }

    @Test func unquotedValuesAreReadUpToTheNextComma() {
        let challenge = AuthChallenge.parse("Bearer realm=https://t/token,service=registry.example.com").first
        #expect(challenge?.realm == "https://t/token")
        #expect(challenge?.service == "registry.example.com")
    }

    @Test func spacesAroundEqualsAndCommasAreAllowed() {
        let challenge = AuthChallenge.parse(#"Bearer realm = "https://t/token" ,  service= "s""#).first
        #expect(challenge?.realm == "https://t/token")
        #expect(challenge?.service == "s")
    }

    @Test func missingParametersAreNil() {
        let challenge = AuthChallenge.parse(#"Bearer realm="https://t/token""#).first
        #expect(challenge?.service == nil)
        #expect(challenge?.scope == nil)
        #expect(challenge?.error == nil)
        #expect(challenge?.scopes == [])
    }

    @Test func unknownSchemesAreSkipped() {
        #expect(AuthChallenge.preferred(from: [#"Negotiate, Digest realm="x",nonce="n""#]) == nil)
        #expect(AuthChallenge.parse(#"Digest realm="x", Basic realm="y""#).map(\.scheme) == [.basic])
    }

    @Test(arguments: [
        "", "   ", ",,,", "=", "=,=,\"", "\"", "\\", "realm=\"x\"", "Bearer realm=\"unterminated",
        "Bearer realm=\"ends with backslash\\", "Bearer ===", "\u{0}\u{1}Bearer", "Bearer réalm=\"é\"",
    ])
    func garbageNeverCrashes(_ header: String) {
        _ = AuthChallenge.parse(header)
        _ = AuthChallenge.preferred(from: [header])
    }

    @Test(arguments: ["", "   ", ",,,", "=,=,\"", "realm=\"x\"", "Negotiate abc", "!!!"])
    func garbageYieldsNoChallenge(_ header: String) {
        #expect(AuthChallenge.preferred(from: [header]) == nil)
    }

    @Test func anUnterminatedQuoteRunsToTheEnd() {
        #expect(AuthChallenge.parse(#"Bearer realm="https://t/tok"#).first?.realm == "https://t/tok")
    }

    @Test func aParameterBeforeAnySchemeIsIgnored() {
        let challenges = AuthChallenge.parse(#"realm="stray", Bearer realm="https://t/token""#)
        #expect(challenges.count == 1)
        #expect(challenges.first?.realm == "https://t/token")
    }

    @Test func theFirstOfARepeatedParameterWins() {
        #expect(AuthChallenge.parse(#"Bearer realm="first",realm="second""#).first?.realm == "first")
    }
}
