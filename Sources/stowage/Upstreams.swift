import AsyncHTTPClient
import Cache
import Logging
import StowageConfig
import Upstream

/// The cache's upstreams for the configured definitions, each with an HTTP client of its own (to
/// shut down at the end); with none configured, the stand-in that serves the store only.
func makeUpstreams(_ definitions: [UpstreamDefinition], logger: Logger) -> ([CachedUpstream], [HTTPClient]) {
    guard !definitions.isEmpty else {
        let client = RegistryClient.makeHTTPClient(settings: .none)
        return ([CachedUpstream.none(client: RegistryClient(httpClient: client, settings: .none, logger: logger))], [client])
    }
    let clients = definitions.map { RegistryClient.makeHTTPClient(settings: $0.settings) }
    let upstreams = zip(definitions, clients).map { definition, client in
        CachedUpstream(client: RegistryClient(httpClient: client, settings: definition.settings, logger: logger),
                       tagTTL: definition.tagTTL, namespaces: definition.namespaces, isDefault: definition.isDefault)
    }
    return (upstreams, clients)
}

/// Shuts the clients down (at the end of a command).
func shutdown(_ clients: [HTTPClient]) async {
    for client in clients { try? await client.shutdown() }
}
