import Cache
import Logging
import OCI
import Store
import Testing

/// What the operator reads when the upstream refuses Stowage's credentials: a wrong license is a
/// warning (once a minute, not once a pull); a catalog the upstream grants no scope for is expected.
@Suite struct RefusalLogTests {
    @Test func aWrongLicenseIsAWarningOnceAMinuteNotOnePerPull() async throws {
        let log = RecordedLog()
        try await CacheFixture.with(logger: log.logger) { fixture in
            let (manifest, _, digest) = fixture.upstreamImage("app/api", tag: "1.0", layerSize: 1_000)
            fixture.registry.fail(.refused)
            let repository = fixture.repository("app/api")

            for _ in 1...3 {
                let refused = await #expect(throws: RegistryError.self) { _ = try await fixture.cache.manifest(repository, .digest(manifest.digest)) }
                #expect(refused?.status == 401)
            }
            let blob = await #expect(throws: RegistryError.self) { _ = try await fixture.cache.blob(repository, digest) }

            #expect(blob?.status == 401)
            #expect(log.levels(of: "upstream refused the configured credentials") == [.warning])
        }
    }

    @Test func aCatalogTheUpstreamGrantsNoScopeForIsLoggedAtDebug() async throws {
        let log = RecordedLog()
        try await CacheFixture.with(logger: log.logger) { fixture in
            fixture.registry.fail(.refused)

            let page = try await fixture.cache.catalog(namespace: nil, pagination: Pagination())

            #expect(page.names == [])
            #expect(log.levels(of: "upstream catalog not available") == [.debug])
            #expect(log.levels(of: "upstream refused the configured credentials") == [])
        }
    }
}
