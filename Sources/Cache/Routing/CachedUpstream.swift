import Foundation
import Logging
import OCI
import Synchronization
import Upstream

/// One upstream as the cache uses it: the registry it asks, how long its tags stay fresh, how requests are
/// routed to it, and the work it shares between clients (coalesced manifest requests, its catalog).
public final class CachedUpstream: Sendable {
    /// The upstream registry itself (`RegistryClient`, or an in-process stand-in in tests).
    public let registry: any RemoteRegistry
    /// The upstream's name, as clients see it in messages and the store keys its repositories.
    /// Kept here: every request names it, and the registry's settings are a large value.
    public let name: String
    /// How long a tag the upstream confirmed is served without asking again; zero asks every time.
    public let tagTTL: Duration
    public let rule: UpstreamRouter.Rule
    /// Manifest requests in flight, one per method, repository and reference (this upstream's only).
    let manifestRequests = SingleFlight<String, UpstreamManifest, Void>()
    /// Gates the warning that the upstream refused the configured credentials: once a minute.
    let refusalWarning = OncePerInterval(.seconds(60))
    /// The upstream's whole catalog, kept for `tagTTL` so paging through it does not refetch it.
    let catalog = Mutex<(names: [String], fetchedAt: ContinuousClock.Instant)?>(nil)

    public init(registry: any RemoteRegistry, tagTTL: Duration = .seconds(60), namespaces: [String] = [], isDefault: Bool = false) {
        self.registry = registry
        name = registry.settings.name
        self.tagTTL = tagTTL
        let isDockerHub = URL(string: registry.settings.baseURL)?.host.map { RegistryHost.dockerHub.contains($0.lowercased()) } ?? false
            || namespaces.contains { RegistryHost.canonical($0) == "docker.io" }
        rule = UpstreamRouter.Rule(name: registry.settings.name, namespaces: namespaces, isDefault: isDefault, isDockerHub: isDockerHub,
                                   answersEveryNamespace: !registry.settings.isConfigured)
    }

    /// The stand-in when no upstream is configured (`UpstreamSettings.none`): the default, answering
    /// every namespace, its tags never stale (nothing could revalidate them), every miss a 404.
    public static func none(registry: any RemoteRegistry) -> CachedUpstream {
        precondition(!registry.settings.isConfigured, "the stand-in upstream's registry has no URL")
        return CachedUpstream(registry: registry, tagTTL: .seconds(100 * 365 * 86_400), isDefault: true)
    }
}

/// A repository as a request names it after routing: at one upstream, under the name the upstream
/// knows (the cache's key too, so the same name under two upstreams is two repositories).
public struct CacheRepository: Sendable, CustomStringConvertible {
    public let upstream: CachedUpstream
    public let name: RepositoryName

    public init(upstream: CachedUpstream, name: RepositoryName) {
        self.upstream = upstream
        self.name = name
    }

    public var description: String { "\(upstream.name)/\(name)" }
}
