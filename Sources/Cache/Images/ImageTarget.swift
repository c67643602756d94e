import OCI
import Store
import Upstream

/// An image reference from a list or a manifest, routed to the repository `serve` would answer it
/// from: the upstream, the repository name there (the store's key), and what to fetch.
public struct ImageTarget: Sendable, CustomStringConvertible {
    public let repository: CacheRepository
    public let reference: ManifestReference
    /// The full reference, `host[:port]/repository[:tag][@digest]` as the upstream knows it: what
    /// reports print and what an export's `org.opencontainers.image.ref.name` carries.
    public let name: String

    public var tag: Tag? {
        if case .tag(let tag) = reference { return tag }
        return nil
    }

    public var description: String { name }

    /// The store's key for the repository.
    public var key: RepositoryKey { repository.key }
}

extension PullThroughCache {
    /// Routes an image reference the way `serve` routes a pull of it. A reference naming its
    /// registry goes to the upstream listing that host among its namespaces (as a mirror client's
    /// `?ns=` would), else to the upstream whose URL has that host (its `repositoryPrefix` taken
    /// off the path when the path starts with it). One naming no registry is a path at this
    /// Stowage: Docker Hub's upstream if one answers for docker.io, else the default upstream or
    /// the upstream named by its first segment.
    public func target(for text: String) throws(RegistryError) -> ImageTarget {
        let parsed = try ImageReference.parse(text).get()
        if ImageReference.namesRegistry(text) || router.upstream(forNamespace: "docker.io") != nil {
            return try target(parsed)
        }
        let written = parsed.repository.value.hasPrefix("library/") && !text.prefix(while: { $0 != ":" && $0 != "@" }).contains("/")
            ? RepositoryName(parsed.repository.value.dropFirst("library/".count)) ?? parsed.repository
            : parsed.repository
        switch router.route(written, namespace: nil) {
        case .routed(let index, let repository):
            let upstream = upstreams[index]
            return ImageTarget(repository: CacheRepository(upstream: upstream, name: repository), reference: parsed.manifestReference,
                               name: Self.clientName(at: upstream, repository: repository, parsed))
        case .unknownNamespace, .noUpstream:
            throw RegistryError(.nameUnknown, "no upstream serves \(text): name its registry, or make an upstream the default", status: 404)
        }
    }

    /// Routes an image that records where a Stowage cached it (an exported bundle's): to the
    /// upstream of that name, under that repository, when this Stowage has one; else as `text`
    /// routes. The names carried across an air gap are the ones clients use, so the far side's
    /// upstreams need the same names, not the same URLs.
    public func target(for text: String, cachedAt recorded: (upstream: String, repository: String)?) throws(RegistryError) -> ImageTarget {
        guard let recorded, let upstream = upstreams.first(where: { $0.name == recorded.upstream }),
              let repository = RepositoryName(recorded.repository) else {
            return try target(for: text)
        }
        let parsed = try ImageReference.parse(text).get()
        return ImageTarget(repository: CacheRepository(upstream: upstream, name: repository), reference: parsed.manifestReference, name: text)
    }

    private func target(_ parsed: ImageReference) throws(RegistryError) -> ImageTarget {
        let host = parsed.registry
        let fullName = Self.fullName(host: host, repository: parsed.repository.value, parsed)
        if let index = router.upstream(forNamespace: host) {
            return ImageTarget(repository: CacheRepository(upstream: upstreams[index], name: parsed.repository),
                               reference: parsed.manifestReference, name: fullName)
        }
        guard let upstream = upstreams.first(where: { $0.host == host }) else {
            var hosts: [String] = []
            for served in upstreams.flatMap({ [$0.host].compactMap { $0 } + $0.rule.namespaces }) where !hosts.contains(served) {
                hosts.append(served)
            }
            throw RegistryError(.nameUnknown, "no upstream serves registry \(host) (they serve \(hosts.joined(separator: ", "))): "
                + "add it to an upstream's namespaces", status: 404)
        }
        var repository = parsed.repository
        if let prefix = upstream.registry.settings.repositoryPrefix, parsed.repository.value.hasPrefix(prefix + "/"),
           let rest = RepositoryName(parsed.repository.value.dropFirst(prefix.count + 1)) {
            repository = rest
        }
        return ImageTarget(repository: CacheRepository(upstream: upstream, name: repository), reference: parsed.manifestReference, name: fullName)
    }

    /// The full reference clients use for `repository` at `upstream`: under the registry host of its
    /// first namespace (which routes back to the same repository, as a mirror client's `?ns=` does),
    /// else under its URL's host with the repository as the upstream knows it (which routes back by
    /// that host, the prefix taken off).
    private static func clientName(at upstream: CachedUpstream, repository: RepositoryName, _ parsed: ImageReference) -> String {
        if let namespace = upstream.rule.namespaces.first {
            return fullName(host: namespace, repository: repository.value, parsed)
        }
        return fullName(host: upstream.host ?? parsed.registry, repository: upstream.registry.settings.upstreamRepository(repository.value), parsed)
    }

    private static func fullName(host: String, repository: String, _ parsed: ImageReference) -> String {
        var name = "\(host)/\(repository)"
        if let tag = parsed.tag { name += ":\(tag.value)" }
        if let digest = parsed.digest { name += "@\(digest)" }
        return name
    }
}

extension CachedUpstream {
    /// `host[:port]` of the upstream's URL, lower case (Docker Hub's aliases as `docker.io`); nil
    /// for the stand-in when none is configured.
    public var host: String? {
        registry.settings.hostAndPort.map(RegistryHost.canonical)
    }
}
