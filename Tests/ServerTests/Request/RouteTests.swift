import OCI
@testable import Server
import Testing

/// Request paths as the router reads them, byte by byte, from the right.
struct RouteTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    @Test func theBaseAndTheCatalogAreTheirOwnRoutes() {
        #expect(Route.parse("/v2") == .success(.base))
        #expect(Route.parse("/v2/") == .success(.base))
        #expect(Route.parse("/v2/_catalog") == .success(.catalog))
    }

    @Test func aNameWithSlashesKeepsThemAndTheReferenceIsTheLastSegment() {
        #expect(Route.parse("/v2/proxy/app/registry.example.com/team/api/manifests/1.0")
                == .success(.manifest(RepositoryName("proxy/app/registry.example.com/team/api")!, .tag(Tag("1.0")!))))
        #expect(Route.parse("/v2/a/b/blobs/\(Self.digest)"[...]) == .success(.blob(RepositoryName("a/b")!, Digest(Self.digest)!)))
        #expect(Route.parse("/v2/a/b/tags/list") == .success(.tags(RepositoryName("a/b")!)))
    }

    @Test func aNameMayContainTheWordsOfTheRoutes() {
        #expect(Route.parse("/v2/blobs/manifests/manifests/v1") == .success(.manifest(RepositoryName("blobs/manifests")!, .tag(Tag("v1")!))))
        #expect(Route.parse("/v2/a/blobs/uploads/x/manifests/v1") == .success(.manifest(RepositoryName("a/blobs/uploads/x")!, .tag(Tag("v1")!))))
        #expect(Route.parse("/v2/tags/list/tags/list") == .success(.tags(RepositoryName("tags/list")!)))
    }

    @Test func anEscapedColonInADigestReferenceIsDecoded() {
        let hex = String(repeating: "ab", count: 32)
        #expect(Route.parse("/v2/app/manifests/sha256%3A\(hex)"[...]) == .success(.manifest(RepositoryName("app")!, .digest(Digest(Self.digest)!))))
        #expect(Route.parse("/v2/app/blobs/sha256%3a\(hex)"[...]) == .success(.blob(RepositoryName("app")!, Digest(Self.digest)!)))
    }

    @Test func uploadsAreTheirOwnRouteWithOrWithoutASession() {
        #expect(Route.parse("/v2/app/blobs/uploads/") == .success(.blobUpload))
        #expect(Route.parse("/v2/app/blobs/uploads") == .success(.blobUpload))
        #expect(Route.parse("/v2/app/blobs/uploads/0f2c-1") == .success(.blobUpload))
    }

    @Test func badPartsAreTheirOwnErrors() {
        guard case .failure(let name)? = Route.parse("/v2/App/manifests/1.0") else { Issue.record("no error"); return }
        #expect(name.code == .nameInvalid)
        #expect(name.message == "invalid repository name \"App\": repository names must be lowercase")
        guard case .failure(let digest)? = Route.parse("/v2/app/blobs/sha256:abc") else { Issue.record("no error"); return }
        #expect(digest.code == .digestInvalid)
        guard case .failure(let tag)? = Route.parse("/v2/app/manifests/.bad") else { Issue.record("no error"); return }
        #expect(tag.code == .manifestUnknown && tag.status == 404)
        guard case .failure(let escape)? = Route.parse("/v2/app/blobs/sha256%3zz") else { Issue.record("no error"); return }
        #expect(escape.code == .digestInvalid)
    }

    @Test func pathsOutsideTheAPIAreUnknown() {
        #expect(Route.parse("/") == nil)
        #expect(Route.parse("/v2x") == nil)
        #expect(Route.parse("/v3/app/manifests/1.0") == nil)
        #expect(Route.parse("/v2/app/referrers/x") == nil)
    }
}
