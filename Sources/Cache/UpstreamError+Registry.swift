import OCI
import Store
import Upstream

extension UpstreamError {
    /// What a client sees when the upstream fails and nothing cached can answer instead.
    /// Meanings survive: 404 stays 404, 429 keeps `Retry-After`, refusals name the upstream, and a
    /// 404 names the repository as it was asked for there.
    func registryError(notFound: ErrorCode, in repository: CacheRepository) -> RegistryError {
        switch self {
        case .unauthorized(let upstream, let detail):
            RegistryError(.unauthorized, "upstream \(upstream) refused Stowage's credentials: \(detail)")
        case .denied(let upstream, let detail):
            RegistryError(.denied, "upstream \(upstream) denied access: \(detail)")
        case .notFound(let upstream, let code):
            RegistryError(code.flatMap(ErrorCode.init(rawValue:)).flatMap { $0.httpStatus == 404 ? $0 : nil } ?? notFound,
                          "not found at upstream \(upstream) (asked for \(repository.sentName))")
        case .tooManyRequests(let upstream, let retryAfter):
            RegistryError(.tooManyRequests, "upstream \(upstream) is rate limiting requests", retryAfter: retryAfter)
        case .unreachable(let upstream, let reason):
            RegistryError(.unavailable, "upstream \(upstream) is unreachable: \(reason)", status: 503, retryAfter: Self.retryHint(repository))
        case .timedOut(let upstream):
            RegistryError(.unavailable, "upstream \(upstream) did not answer in time", status: 503, retryAfter: Self.retryHint(repository))
        case .badResponse(let upstream, let status, let detail):
            RegistryError(.unknown, "upstream \(upstream) answered \(status): \(detail)", status: 502)
        case .offline(_, let retryIn):
            RegistryError(.unavailable, "\(self); nothing cached can answer this request", status: 503,
                          retryAfter: "\(max(1, retryIn.wholeSecondsRoundedUp))")
        }
    }

    /// `Retry-After` for the first failure of an upstream: the breaker's back-off, the time it now
    /// counts as down (the 503s that follow carry what is left of it).
    private static func retryHint(_ repository: CacheRepository) -> String {
        "\(max(1, repository.upstream.registry.settings.breaker.backoff.wholeSecondsRoundedUp))"
    }

    /// Failures after which serving the last known content beats failing the pull. A refusal of
    /// Stowage's credentials (401, 403) is one: the same image by digest is served from the store
    /// without asking the upstream, so its tag is too (with a warning, the failure logged as an
    /// error for the operator); only content not yet cached needs the upstream's consent. A 404 is
    /// not: the tag is gone upstream.
    var allowsServingStale: Bool {
        switch self {
        case .unreachable, .timedOut, .tooManyRequests, .badResponse, .offline, .unauthorized, .denied: true
        case .notFound: false
        }
    }
}

extension StoreError {
    var registryError: RegistryError {
        RegistryError(.unknown, "local store failure: \(self)", status: 500)
    }
}

extension UpstreamError {
    /// The upstream refused the credentials Stowage sent (or that none were sent): 401 or 403.
    var refusesCredentials: Bool {
        switch self {
        case .unauthorized, .denied: true
        default: false
        }
    }
}
