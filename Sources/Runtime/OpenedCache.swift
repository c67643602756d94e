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
    /// The configured upstreams' clients by upstream name, for credentials reloaded in place.
    private let clients: [String: RegistryClient]

    /// Opens the store in `role`: `.server` for `serve`; `.reader` beside a running server.
    /// `existing`: refuse a store that is not there (a command that only reads it).
    public init(_ settings: ServeSettings, role: ContentStore.Role, existing: Bool = false, logger: Logger) throws(StorageOpeningError) {
        store = try ContentStore.open(settings.storage, role: role, existing: existing, minimumFreeBytes: settings.minFreeBytes, logger: logger)
        try Self.checkUpstreamIdentity(settings, store: store)
        if settings.upstreams.isEmpty {
            let client = RegistryClient.makeHTTPClient(settings: .none)
            (upstreams, httpClients) = ([CachedUpstream.none(registry: RegistryClient(httpClient: client, settings: .none, logger: logger))], [client])
            clients = [:]
        } else {
            httpClients = settings.upstreams.map { RegistryClient.makeHTTPClient(settings: $0.settings) }
            let registries = zip(settings.upstreams, httpClients).map { definition, client in
                RegistryClient(httpClient: client, settings: definition.settings, logger: logger)
            }
            upstreams = zip(settings.upstreams, registries).map { definition, registry in
                CachedUpstream(registry: registry, tagTTL: definition.tagTTL, namespaces: definition.namespaces,
                               pathPrefix: definition.pathPrefix, isDefault: definition.isDefault)
            }
            clients = Dictionary(registries.map { ($0.settings.name, $0) }) { first, _ in first }
        }
        cache = PullThroughCache(store: store, upstreams: upstreams, logger: logger)
    }

    /// One upstream whose name came from its URL's host, and a store whose content is all under
    /// one other name: the URL changed and the cache would be orphaned (every repository keyed by the
    /// old name). Refused, with what to write, rather than served empty.
    private static func checkUpstreamIdentity(_ settings: ServeSettings, store: ContentStore) throws(StorageOpeningError) {
        guard settings.upstreams.count == 1, let upstream = settings.upstreams.first, !upstream.nameGiven else { return }
        let stored: Set<String>
        do {
            stored = Set(try store.knownRepositories().map(\.upstream))
        } catch {
            throw StorageOpeningError(path: store.layout.root, reason: .store(error))
        }
        let configured = upstream.settings.name
        guard stored.count == 1, let old = stored.first, old != configured else { return }
        throw StorageOpeningError(path: store.layout.root, reason: .upstreamRenamed(stored: old, configured: configured))
    }

    /// Gives each upstream the credentials `settings` (the configuration read again, on SIGHUP)
    /// name for it: a license file or variable that changed is used without a restart. Returns
    /// the names of the upstreams whose credentials changed. Upstreams are matched by name; the
    /// rest of a changed configuration takes a restart.
    public func reloadCredentials(from settings: ServeSettings) async -> [String] {
        var changed: [String] = []
        for definition in settings.upstreams {
            guard let client = clients[definition.settings.name] else { continue }
            if await client.replaceCredentials(definition.settings.credentials) { changed.append(definition.settings.name) }
        }
        return changed
    }

    /// Records the accesses noted, marks the store closed, and shuts the upstream clients down.
    public func close() async {
        await store.close()
        for client in httpClients { try? await client.shutdown() }
    }
}
