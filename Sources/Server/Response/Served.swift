import Cache

/// How a request was answered, for its access line: what was asked, of which upstream and
/// repository, and whether the cache had it. Set where the answer is decided (`RegistryHandler`),
/// read where the response ends (`AccessLog`).
struct Served: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case manifest, blob, blobHead = "blob-head", tags, catalog, base, health
        /// A request no route matched, or refused before routing (a push verb, a bad name).
        case unrouted
    }

    enum Result: String, Sendable, CaseIterable {
        /// Answered by Stowage itself: `/v2/`, a health probe.
        case local
        /// Answered from the store (after the upstream confirmed or revalidated it, when it had to).
        case hit
        /// Fetched from the upstream for this request.
        case miss
        /// A cached tag or tag list served because the upstream could not answer.
        case stale
        /// A blob download another client had started, followed.
        case coalesced
        /// Refused before the cache was asked: a bad request, an unknown namespace, a push verb.
        case refused
        /// The cache was asked and the answer is an error (an upstream 404 included).
        case failed
    }

    var kind: Kind
    var result: Result
    /// The repository the request was routed to. Its names (the upstream's, the repository's as
    /// sent there) are made only when an access line is written: not on every hit.
    var repository: CacheRepository?
    /// The tag or digest asked for (its stored text, no copy).
    var reference: String?
    /// The client's user name, once its credentials were verified (client authentication).
    var user: String?
}

extension Served {
    /// The same request, answered with `result`.
    func answered(_ result: Result) -> Served {
        var served = self
        served.result = result
        return served
    }

    /// Names the repository the request was routed to.
    mutating func note(_ repository: CacheRepository, reference: String? = nil) {
        self.repository = repository
        self.reference = reference
    }
}

extension Response {
    /// This response, with how it was answered.
    func served(_ served: Served) -> Response {
        var response = self
        response.served = served
        return response
    }
}

extension Route {
    var servedKind: Served.Kind {
        switch self {
        case .base: .base
        case .catalog: .catalog
        case .manifest: .manifest
        case .blob: .blob
        case .blobUpload: .unrouted
        case .tags: .tags
        case .health: .health
        }
    }
}
