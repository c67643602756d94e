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
    /// The registry's `repositoryPath`, kept for the same reason as `name`.
    public let repositoryPath: String
    /// Manifest requests in flight, one per method, repository and reference (this upstream's only).
    let manifestRequests = SingleFlight<String, UpstreamManifest, Void>()
    /// Gates the warning that the upstream refused the configured credentials: once a minute.
    let refusalWarning = OncePerInterval(.seconds(60))
    /// The upstream's whole catalog, kept for `tagTTL` so paging through it does not refetch it.
    let catalog = Mutex<(names: [String], fetchedAt: ContinuousClock.Instant)?>(nil)

    public convenience init(registry: any RemoteRegistry, tagTTL: Duration = .seconds(60), namespaces: [String] = [], pathPrefix: String? = nil,
                            isDefault: Bool = false) {
        self.init(registry: registry, tagTTL: tagTTL, namespaces: namespaces, pathPrefix: pathPrefix, isDefault: isDefault, answersEveryNamespace: false)
    }

    private init(registry: any RemoteRegistry, tagTTL: Duration, namespaces: [String], pathPrefix: String?, isDefault: Bool,
                 answersEveryNamespace: Bool) {
        self.registry = registry
        name = registry.settings.name
        repositoryPath = registry.settings.repositoryPath
        // An upstream without a URL (offline) could never revalidate a tag: its tags stay fresh.
        self.tagTTL = registry.settings.isConfigured ? tagTTL : Self.never
        let isDockerHub = URL(string: registry.settings.baseURL)?.host.map { RegistryHost.dockerHub.contains($0.lowercased()) } ?? false
            || namespaces.contains { RegistryHost.canonical($0) == "docker.io" }
        rule = UpstreamRouter.Rule(name: registry.settings.name, namespaces: namespaces, pathPrefix: pathPrefix, isDefault: isDefault,
                                   isDockerHub: isDockerHub, answersEveryNamespace: answersEveryNamespace)
    }

    /// A tag TTL that never runs out (a hundred years).
    static let never: Duration = .seconds(100 * 365 * 86_400)

    /// The stand-in when no upstream is configured (`UpstreamSettings.none`): the default, answering
    /// every namespace, its tags never stale (nothing could revalidate them), every miss a 404.
    public static func none(registry: any RemoteRegistry) -> CachedUpstream {
        precondition(!registry.settings.isConfigured, "the stand-in upstream's registry has no URL")
        return CachedUpstream(registry: registry, tagTTL: never, namespaces: [], pathPrefix: nil, isDefault: true, answersEveryNamespace: true)
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

    /// The repository's name as sent to the upstream (its `repositoryPrefix` put in front).
    public var sentName: String { UpstreamSettings.repository(name.value, under: upstream.repositoryPath) }

    /// What a log line of work on this repository carries: the upstream, and the repository as sent
    /// to it (not the path the client asked for, which routing may have cut).
    func logMetadata(_ extra: Logger.Metadata) -> Logger.Metadata {
        extra.merging(["upstream": "\(upstream.name)", "repository": "\(sentName)"]) { _, own in own }
    }
}
