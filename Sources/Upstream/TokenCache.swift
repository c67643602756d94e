/// Bearer tokens of one upstream client, keyed by realm, service and sorted scopes. Concurrent
/// requests for the same key share one token request; a token is reused until shortly before it expires.
/// The cache belongs to one client, and a client has one credential, so tokens never cross identities.
actor TokenCache {
    struct Key: Hashable {
        let realm: String
        let service: String
        let scopes: [String]

        init(realm: String, service: String?, scopes: [String]) {
            self.realm = realm
            self.service = service ?? ""
            self.scopes = scopes.sorted()
        }
    }

    private var tokens: [Key: BearerToken] = [:]
    private var inFlight: [Key: Task<BearerToken, any Error>] = [:]

    func token(for key: Key, fetch: @escaping @Sendable () async throws(UpstreamError) -> BearerToken) async throws(UpstreamError) -> String {
        if let token = tokens[key], token.isValid(at: .now) { return token.value }
        let task = inFlight[key] ?? Task { try await fetch() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        do {
            let token = try await task.value
            tokens[key] = token
            return token.value
        } catch let error as UpstreamError {
            throw error
        } catch {
            throw .unreachable(upstream: "token service", reason: "\(error)")
        }
    }

    /// Forgets a token the upstream refused, so the next request gets a fresh one.
    func invalidate(_ key: Key) {
        tokens[key] = nil
    }
}
