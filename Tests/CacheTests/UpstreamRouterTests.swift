import Cache
import OCI
import Testing

@Suite struct UpstreamRouterTests {
    let router = UpstreamRouter([
        .init(name: "hub", namespaces: ["docker.io"], isDefault: true, isDockerHub: true),
        .init(name: "ghcr", namespaces: ["ghcr.io"], pathPrefix: "ghcr"),
        .init(name: "vendor", namespaces: ["proxy.vendor.example"], pathPrefix: "v"),
    ])

    func name(_ text: String) -> RepositoryName { RepositoryName(text)! }

    @Test func theNamespaceChoosesTheUpstreamAndTheNameIsKept() {
        #expect(router.route(name("org/app"), namespace: "ghcr.io") == .routed(upstream: 1, repository: name("org/app")))
        #expect(router.route(name("proxy/my-app/docker.io/library/nginx"), namespace: "proxy.vendor.example")
            == .routed(upstream: 2, repository: name("proxy/my-app/docker.io/library/nginx")))
    }

    @Test func dockerHubAliasesAndCaseNameTheSameNamespace() {
        for namespace in ["docker.io", "registry-1.docker.io", "index.docker.io", "Docker.IO"] {
            #expect(router.route(name("library/alpine"), namespace: namespace) == .routed(upstream: 0, repository: name("library/alpine")))
        }
    }

    @Test func anUnknownNamespaceIsNotRoutedAnywhere() {
        #expect(router.route(name("org/app"), namespace: "quay.io") == .unknownNamespace("quay.io"))
    }

    @Test func aNamespaceWinsOverAPathPrefix() {
        #expect(router.route(name("ghcr/app"), namespace: "docker.io") == .routed(upstream: 0, repository: name("ghcr/app")))
    }

    @Test func aFirstSegmentEqualToAPathPrefixRoutesThereWithoutIt() {
        #expect(router.route(name("ghcr/org/app"), namespace: nil) == .routed(upstream: 1, repository: name("org/app")))
        #expect(router.route(name("v/proxy/my-app/nginx"), namespace: nil) == .routed(upstream: 2, repository: name("proxy/my-app/nginx")))
    }

    @Test func aPathPrefixAloneIsARepositoryOfTheDefault() {
        #expect(router.route(name("ghcr"), namespace: nil) == .routed(upstream: 0, repository: name("library/ghcr")))
    }

    /// The routing trap of a new operator: an upstream named after the first segment of its own
    /// repositories (`lab` serving `lab/…`) once had that segment cut. A name is not a path prefix.
    @Test func aFirstSegmentEqualToAnUpstreamsNameIsKeptWhole() {
        #expect(router.route(name("vendor/org/app"), namespace: nil) == .routed(upstream: 0, repository: name("vendor/org/app")))
        let lab = UpstreamRouter([.init(name: "lab", isDefault: true), .init(name: "ghcr", namespaces: ["ghcr.io"], pathPrefix: "ghcr")])
        #expect(lab.route(name("lab/small-0"), namespace: nil) == .routed(upstream: 0, repository: name("lab/small-0")))
    }

    @Test func anythingElseGoesToTheDefault() {
        #expect(router.route(name("org/app"), namespace: nil) == .routed(upstream: 0, repository: name("org/app")))
    }

    @Test func oneSegmentNamesGetLibraryOnlyOnDockerHub() {
        #expect(router.route(name("alpine"), namespace: "docker.io") == .routed(upstream: 0, repository: name("library/alpine")))
        #expect(router.route(name("alpine"), namespace: "ghcr.io") == .routed(upstream: 1, repository: name("alpine")))
        #expect(router.route(name("ghcr/alpine"), namespace: nil) == .routed(upstream: 1, repository: name("alpine")))
    }

    @Test func withoutADefaultAnUnprefixedNameHasNoUpstream() {
        let router = UpstreamRouter([.init(name: "a", namespaces: ["a.example"]), .init(name: "b", pathPrefix: "b")])
        #expect(router.route(name("org/app"), namespace: nil) == .noUpstream)
        #expect(router.route(name("b/org/app"), namespace: nil) == .routed(upstream: 1, repository: name("org/app")))
    }

    @Test func aSingleUpstreamsNameIsNotCutFromARepository() {
        let router = UpstreamRouter([.init(name: "proxy", isDefault: true)])
        #expect(router.route(name("proxy/my-app/nginx"), namespace: nil) == .routed(upstream: 0, repository: name("proxy/my-app/nginx")))
    }
}

@Suite struct StandInRouterTests {
    /// With no upstream configured, the stand-in takes every request: imported content of any registry.
    let router = UpstreamRouter([.init(name: "local", isDefault: true, answersEveryNamespace: true)])

    @Test func everyNamespaceAndEveryPathGoToTheStandIn() {
        let name = RepositoryName("org/app")!
        #expect(router.route(name, namespace: "ghcr.io") == .routed(upstream: 0, repository: name))
        #expect(router.route(name, namespace: nil) == .routed(upstream: 0, repository: name))
        #expect(router.upstream(forNamespace: "quay.io") == 0)
    }

    @Test func aOneSegmentNameInDockerHubsNamespaceGetsLibrary() {
        #expect(router.route(RepositoryName("nginx")!, namespace: "docker.io") == .routed(upstream: 0, repository: RepositoryName("library/nginx")!))
        #expect(router.route(RepositoryName("nginx")!, namespace: "ghcr.io") == .routed(upstream: 0, repository: RepositoryName("nginx")!))
    }
}
