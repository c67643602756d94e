/// Bearer tokens of one upstream client, keyed by realm, service and sorted scopes.
///
/// One client has one identity (its `UpstreamCredentials`), so tokens never cross identities.
/// Per key the entry is in one of two states:
/// - `fetching`: one token request is in flight; every caller for the key awaits that same request.
/// - `ready`: a token, handed out until `BearerToken.expiresAt`; after that the next caller fetches.
/// The fetch that finishes stores its token only if its entry is still the current one, so a
/// discarded or superseded fetch never overwrites a newer state. A failed fetch is shared by its
/// waiters and leaves nothing behind, so the next caller tries again.
actor TokenCache {
    struct Key: Hashable, Sendable {
        let realm: String
        let service: String
        let scopes: [String]

        init(realm: String, service: String?, scopes: [String]) {
            self.realm = realm
            self.service = service ?? ""
            self.scopes = Array(Set(scopes)).sorted()
        }
    }

    typealias Fetch = @Sendable () async throws(UpstreamError) -> BearerToken

    private enum Entry {
        case fetching(Task<Result<BearerToken, UpstreamError>, Never>, generation: UInt64)
        case ready(BearerToken)
    }

    private var entries: [Key: Entry] = [:]
    private var generation: UInt64 = 0
    /// Above this many keys, expired tokens are swept when a new one is stored.
    private let sweepThreshold = 256

    /// A fresh token for `key`: cached, joined from a fetch in flight, or fetched now.
    func token(for key: Key, now: ContinuousClock.Instant = .now, fetch: @escaping Fetch) async throws(UpstreamError) -> String {
        switch entries[key] {
        case .ready(let token) where token.isFresh(at: now):
            return token.value
        case .fetching(let task, _):
            return try await task.value.get().value
        case .ready, nil:
            break
        }
        generation += 1
        let mine = generation
        let task = Task { () async -> Result<BearerToken, UpstreamError> in
            do throws(UpstreamError) { return .success(try await fetch()) } catch { return .failure(error) }
        }
        entries[key] = .fetching(task, generation: mine)
        let result = await task.value
        if case .fetching(_, mine) = entries[key] {
            switch result {
            case .success(let token): store(token, for: key, now: now)
            case .failure: entries[key] = nil
            }
        }
        return try result.get().value
    }

    /// Forgets every token (the credentials they were fetched with were replaced).
    func removeAll() {
        entries.removeAll()
    }

    /// Forgets a token the upstream refused, so the next caller fetches a new one. A newer token
    /// that replaced it meanwhile is kept.
    func discard(tokenValue: String) {
        for (key, entry) in entries {
            if case .ready(let token) = entry, token.value == tokenValue { entries[key] = nil }
        }
    }

    private func store(_ token: BearerToken, for key: Key, now: ContinuousClock.Instant) {
        entries[key] = .ready(token)
        guard entries.count > sweepThreshold else { return }
        entries = entries.filter { _, entry in
            if case .ready(let token) = entry { return token.isFresh(at: now) }
            return true
        }
    }
}
