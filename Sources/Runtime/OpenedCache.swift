import AsyncHTTPClient
import Cache
import Logging
import Store
import StowageConfig
import Upstream

/// What a command works with, opened from its settings in one place (the composition root of
/// `serve`, `preseed`, `check`, `export` and `import`): the store, each configured upstream with an
/// HTTP client of its own (with none configured, the stand-in that serves the store alone), and
/// the pull-through cache over them. `close()` when done.
public final class OpenedCache: Sendable {
    public let store: ContentStore
    public let upstreams: [CachedUpstream]
    public let cache: PullThroughCache
    private let httpClients: [HTTPClient]

    /// Opens the store in `role`: `.server` for `serve`; `.reader` beside a running server.
    /// `existing`: refuse a store that is not there (a command that only reads it).
    public init(_ settings: ServeSettings, role: ContentStore.Role, existing: Bool = false, logger: Logger) throws(StorageOpeningError) {
        store = try ContentStore.open(settings.storage, role: role, existing: existing, logger: logger)
        if settings.upstreams.isEmpty {
            let client = RegistryClient.makeHTTPClient(settings: .none)
            (upstreams, httpClients) = ([CachedUpstream.none(registry: RegistryClient(httpClient: client, settings: .none, logger: logger))], [client])
        } else {
            httpClients = settings.upstreams.map { RegistryClient.makeHTTPClient(settings: $0.settings) }
            upstreams = zip(settings.upstreams, httpClients).map { definition, client in
                CachedUpstream(registry: RegistryClient(httpClient: client, settings: definition.settings, logger: logger),
                               tagTTL: definition.tagTTL, namespaces: definition.namespaces, isDefault: definition.isDefault)
            }
        }
        cache = PullThroughCache(store: store, upstreams: upstreams, logger: logger)
    }

    /// Records the accesses noted, marks the store closed, and shuts the upstream clients down.
    public func close() async {
        await store.close()
        for client in httpClients { try? await client.shutdown() }
    }
}
