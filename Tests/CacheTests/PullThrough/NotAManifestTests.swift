import Cache
import OCI
import Store
import Testing

/// A 200 whose body is not a manifest (a captive portal's or a misrouted proxy's HTML page) is
/// never stored or served as one.
@Suite struct NotAManifestTests {
    let page = Array("<html><body>Please sign in to the network</body></html>".utf8)

    @Test func aPageThatIsNotAManifestIsA502NamingWhatCameAndNothingIsStored() async throws {
        try await CacheFixture.with { fixture in
            let html = StoredManifest(digest: SHA256Hasher.digest(of: page), mediaType: "text/html", bytes: page)
            fixture.registry.add(html, in: "app/api", tag: "1.0")

            let error = await #expect(throws: RegistryError.self) {
                try await fixture.cache.manifest(fixture.repository("app/api"), .tag(Tag("1.0")!))
            }

            #expect(error?.status == 502)
            #expect(error?.message == "upstream hub answered with something that is not a manifest (text/html); is its URL the registry's?")
            let stored = try fixture.store.manifest(html.digest)
            let tagged = try fixture.store.tag(TagKey(upstream: "hub", repository: RepositoryName("app/api")!, tag: Tag("1.0")!))
            #expect(stored == nil && tagged == nil)
        }
    }
}
