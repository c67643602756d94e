import Testing
@testable import Upstream

@Suite struct TokenRequestTests {
    @Test func serviceScopesAndAccountBecomeQueryParameters() {
        let url = TokenRequest.url(realm: "https://auth.docker.io/token", service: "registry.docker.io",
                                   scopes: ["repository:library/alpine:pull"], account: "robot")
        #expect(url == "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull&account=robot")
    }

    @Test func eachScopeIsItsOwnParameter() {
        let url = TokenRequest.url(realm: "https://t/token", service: nil, scopes: ["repository:a:pull", "repository:b:pull"], account: nil)
        #expect(url == "https://t/token?scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull")
    }

    @Test func aRealmWithAQueryIsExtended() {
        let url = TokenRequest.url(realm: "https://t/token?client=x", service: "s", scopes: [], account: nil)
        #expect(url == "https://t/token?client=x&service=s")
    }

    @Test func aRealmAloneIsUsedAsIs() {
        #expect(TokenRequest.url(realm: "https://t/token", service: nil, scopes: [], account: nil) == "https://t/token")
    }

    @Test func plusAndAtInAnAccountAreEncoded() {
        let url = TokenRequest.url(realm: "https://t/token", service: nil, scopes: [], account: "a+b@example.com")
        #expect(url == "https://t/token?account=a%2Bb%40example.com")
    }

    @Test(arguments: ["/token", "token", "ftp://t/token", "https://", ""])
    func aRealmThatIsNotAnAbsoluteHTTPURLIsRefused(_ realm: String) {
        #expect(TokenRequest.url(realm: realm, service: "s", scopes: [], account: nil) == nil)
    }
}
