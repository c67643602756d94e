import Logging
import OCI
import Store
import Synchronization
import Upstream

/// `tags/list` and `_catalog`.
extension PullThroughCache {
    /// A page of the repository's tags from its upstream (paginated here if the upstream ignores
    /// `n` and `last`); while the upstream cannot answer, the tags the cache knows, with a warning.
    /// With no upstream configured, the tags the cache knows are the whole list.
    public func tags(_ repository: CacheRepository, pagination: Pagination) async throws(RegistryError) -> ListingPage {
        let upstream = repository.upstream
        guard upstream.registry.settings.isConfigured else {
            let cached = try storeRead { () throws(StoreError) in try store.tags(in: repository.key) }
            guard !cached.isEmpty else { throw RegistryError(.nameUnknown, "no tags of \(repository.name) are cached", status: 404) }
            return ListingPage.paginating(cached, pagination)
        }
        let listing: UpstreamListing
        do {
            listing = try await upstream.registry.tags(repository: repository.name.value, query: pagination.query)
        } catch let error where error.allowsServingStale {
            let cached = try storeRead { () throws(StoreError) in try store.tags(in: repository.key) }
            guard !cached.isEmpty else { throw error.registryError(notFound: .nameUnknown, in: repository) }
            logger.warning("serving cached tag list: upstream failed", metadata: repository.logMetadata(["error": "\(error)"]))
            var page = ListingPage.paginating(cached, pagination)
            page.staleWarning = "upstream \(upstream.name) unavailable; these are the tags cached for \(repository.name)"
            return page
        } catch {
            throw error.registryError(notFound: .nameUnknown, in: repository)
        }
        return try ListingPage.tags(from: listing, upstream: upstream.name, pagination: pagination)
    }

    /// A page of the catalog: the repositories the cache has served plus each upstream's own
    /// catalog where it has one, paginated here. With a namespace, that upstream's repositories as
    /// it names them; otherwise those reachable without one, by the path that routes to them: the
    /// default upstream's whole, the others' under their path prefix (`<prefix>/<repo>`).
    public func catalog(namespace: String?, pagination: Pagination) async throws(RegistryError) -> ListingPage {
        let selected: [CachedUpstream]
        if let namespace {
            guard let index = router.upstream(forNamespace: namespace) else {
                throw RegistryError(.nameUnknown, "this Stowage mirrors no registry for namespace \(namespace.prefix(255))", status: 404)
            }
            selected = [upstreams[index]]
        } else {
            selected = upstreams
        }
        var names: [String] = []
        for upstream in selected {
            var prefix = ""
            if namespace == nil && !upstream.rule.isDefault {
                guard let pathPrefix = upstream.rule.pathPrefix else { continue }
                prefix = pathPrefix + "/"
            }
            let local = try storeRead { () throws(StoreError) in try store.repositories(of: upstream.name) }.map(\.value)
            for name in local + (await upstreamCatalog(upstream)) { names.append(prefix + name) }
        }
        return ListingPage.paginating(names, pagination)
    }

    /// Every repository in the upstream's catalog under the names clients use (its repository
    /// prefix removed), following its pages; kept for the upstream's `tagTTL`. Empty when it has
    /// no catalog (Docker Hub, for one) or cannot be asked now.
    private func upstreamCatalog(_ upstream: CachedUpstream) async -> [String] {
        if let kept = upstream.catalog.withLock({ $0 }), ContinuousClock.now - kept.fetchedAt < upstream.tagTTL { return kept.names }
        let prefix = upstream.registry.settings.repositoryPrefix.map { $0 + "/" }
        var names: [String] = []
        var query: String? = "n=\(Self.catalogPageSize)"
        var pages = 0
        do {
            while let current = query, pages < Self.catalogMaximumPages {
                let listing = try await upstream.registry.catalog(query: current)
                let page = try ListingPage.catalog(from: listing, upstream: upstream.name)
                for name in page {
                    let relative = prefix.flatMap { name.hasPrefix($0) ? String(name.dropFirst($0.count)) : nil } ?? name
                    if RepositoryName(relative) != nil { names.append(relative) }
                }
                pages += 1
                // An upstream that ignores `n` sends everything at once and no next page.
                query = listing.nextQuery
            }
        } catch {
            // Registries commonly grant no catalog scope (a license proxy never does): expected, so debug.
            let level: Logger.Level = (error as? UpstreamError)?.refusesCredentials == true ? .debug : .notice
            logger.log(level: level, "upstream catalog not available; listing cached repositories only",
                       metadata: ["upstream": "\(upstream.name)", "error": "\(error)"])
            return names
        }
        upstream.catalog.withLock { $0 = (names, ContinuousClock.now) }
        return names
    }

    static var catalogPageSize: Int { 1000 }
    static var catalogMaximumPages: Int { 1000 }
}
