import Foundation
import Logging
import OCI
import Synchronization
import Upstream

/// One upstream as the cache uses it: its client, how long its tags stay fresh, how requests are
/// routed to it, and the work it shares between clients (coalesced manifest requests, its catalog).
public final class CachedUpstream: Sendable {
    public let client: RegistryClient
    /// How long a tag the upstream confirmed is served without asking again; zero asks every time.
    public let tagTTL: Duration
    public let rule: UpstreamRouter.Rule
    /// Manifest requests in flight, one per method, repository and reference (this upstream's only).
    let manifestRequests = SingleFlight<String, UpstreamManifest, Void>()
    /// The upstream's whole catalog, kept for `tagTTL` so paging through it does not refetch it.
    let catalog = Mutex<(names: [String], fetchedAt: ContinuousClock.Instant)?>(nil)

    public init(client: RegistryClient, tagTTL: Duration = .seconds(60), namespaces: [String] = [], isDefault: Bool = false) {
        self.client = client
        self.tagTTL = tagTTL
        let isDockerHub = URL(string: client.settings.baseURL)?.host.map { RegistryHost.dockerHub.contains($0.lowercased()) } ?? false
            || namespaces.contains { RegistryHost.canonical($0) == "docker.io" }
        rule = UpstreamRouter.Rule(name: client.settings.name, namespaces: namespaces, isDefault: isDefault, isDockerHub: isDockerHub,
                                   answersEveryNamespace: !client.settings.isConfigured)
    }

    /// The stand-in when no upstream is configured (`UpstreamSettings.none`): the default, answering
    /// every namespace, its tags never stale (nothing could revalidate them), every miss a 404.
    public static func none(client: RegistryClient) -> CachedUpstream {
        precondition(!client.settings.isConfigured, "the stand-in upstream's client has no URL")
        return CachedUpstream(client: client, tagTTL: .seconds(100 * 365 * 86_400), isDefault: true)
    }

    /// The upstream's name, as clients see it in messages.
    public var name: String { client.settings.name }
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
