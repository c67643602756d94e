import Cache
import OCI
import Testing

@Suite struct UpstreamRouterTests {
    let router = UpstreamRouter([
        .init(name: "hub", namespaces: ["docker.io"], isDefault: true, isDockerHub: true),
        .init(name: "ghcr", namespaces: ["ghcr.io"]),
        .init(name: "vendor", namespaces: ["proxy.vendor.example"]),
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

    @Test func aNamespaceWinsOverAnUpstreamNamedFirstSegment() {
        #expect(router.route(name("ghcr/app"), namespace: "docker.io") == .routed(upstream: 0, repository: name("ghcr/app")))
    }

    @Test func aFirstSegmentNamingAnUpstreamRoutesThereWithoutIt() {
        #expect(router.route(name("ghcr/org/app"), namespace: nil) == .routed(upstream: 1, repository: name("org/app")))
        #expect(router.route(name("hub/library/alpine"), namespace: nil) == .routed(upstream: 0, repository: name("library/alpine")))
    }

    @Test func anUpstreamNameAloneIsARepositoryOfTheDefault() {
        #expect(router.route(name("ghcr"), namespace: nil) == .routed(upstream: 0, repository: name("library/ghcr")))
    }

    @Test func anythingElseGoesToTheDefault() {
        #expect(router.route(name("org/app"), namespace: nil) == .routed(upstream: 0, repository: name("org/app")))
    }

    @Test func oneSegmentNamesGetLibraryOnlyOnDockerHub() {
        #expect(router.route(name("alpine"), namespace: "docker.io") == .routed(upstream: 0, repository: name("library/alpine")))
        #expect(router.route(name("hub/alpine"), namespace: nil) == .routed(upstream: 0, repository: name("library/alpine")))
        #expect(router.route(name("alpine"), namespace: "ghcr.io") == .routed(upstream: 1, repository: name("alpine")))
        #expect(router.route(name("ghcr/alpine"), namespace: nil) == .routed(upstream: 1, repository: name("alpine")))
    }

    @Test func withoutADefaultAnUnprefixedNameHasNoUpstream() {
        let router = UpstreamRouter([.init(name: "a", namespaces: ["a.example"]), .init(name: "b")])
        #expect(router.route(name("org/app"), namespace: nil) == .noUpstream)
        #expect(router.route(name("b/org/app"), namespace: nil) == .routed(upstream: 1, repository: name("org/app")))
    }

    @Test func aSingleUpstreamNeverCutsItsNameFromARepository() {
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
