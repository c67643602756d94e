import Testing
@testable import Upstream

@Suite struct UpstreamSettingsTests {
    @Test func withoutAPrefixTheRepositoryIsUnchanged() {
        #expect(UpstreamSettings(name: "hub", baseURL: "https://registry-1.docker.io").upstreamRepository("library/alpine") == "library/alpine")
    }

    @Test func aPrefixIsPutInFrontOfTheRepository() {
        let settings = UpstreamSettings(name: "p", baseURL: "https://proxy.example.com", repositoryPrefix: "proxy/my-app")
        #expect(settings.upstreamRepository("org/api") == "proxy/my-app/org/api")
    }

    @Test func slashesAroundThePrefixAreIgnored() {
        let settings = UpstreamSettings(name: "p", baseURL: "https://p", repositoryPrefix: "/proxy/my-app/")
        #expect(settings.upstreamRepository("org/api") == "proxy/my-app/org/api")
    }

    @Test func anEmptyPrefixIsNoPrefix() {
        #expect(UpstreamSettings(name: "p", baseURL: "https://p", repositoryPrefix: "").upstreamRepository("org/api") == "org/api")
    }

    @Test func thePullScopeNamesTheRepository() {
        #expect(UpstreamSettings(name: "hub", baseURL: "https://h").pullScope("library/alpine") == "repository:library/alpine:pull")
    }

    @Test func thePullScopeUsesThePrefixedName() {
        let settings = UpstreamSettings(name: "p", baseURL: "https://p", repositoryPrefix: "proxy/my-app")
        #expect(settings.pullScope("docker.io/library/nginx") == "repository:proxy/my-app/docker.io/library/nginx:pull")
    }

    @Test func trailingSlashesAreDroppedFromTheBaseURL() {
        var settings = UpstreamSettings(name: "p", baseURL: "http://127.0.0.1:5000/")
        #expect(settings.baseURL == "http://127.0.0.1:5000")
        settings.baseURL = "https://p//"
        #expect(settings.baseURL == "https://p")
    }

    @Test func timeoutsDefaultTo5And5And60Seconds() {
        let settings = UpstreamSettings(name: "p", baseURL: "https://p")
        #expect(settings.connectTimeout == .seconds(5))
        #expect(settings.responseHeaderTimeout == .seconds(5))
        #expect(settings.readTimeout == .seconds(60))
    }
}
