import AsyncHTTPClient
import NIOHTTP1
import Synchronization

/// Decides the `Authorization` each request to the upstream carries.
///
/// The first 401 tells which scheme the upstream wants; it is remembered for the whole upstream,
/// so later requests of every repository authenticate up front instead of paying a 401 round trip
/// each, and requests that start before that first answer wait for it (see `SchemeDiscovery`).
/// Basic sends the configured credentials. Bearer sends a token from the token service named in
/// the challenge, cached per realm, service and scopes (see `TokenCache`).
final class Authenticator: Sendable {
    /// Replaced on a reload (SIGHUP); each request reads them once, as it starts authenticating.
    private let configured: Mutex<UpstreamCredentials?>
    private var credentials: UpstreamCredentials? { configured.withLock { $0 } }
    private let baseURL: String
    private let transport: UpstreamTransport
    private let tokens = TokenCache()
    let discovery = SchemeDiscovery()

    init(credentials: UpstreamCredentials?, baseURL: String, transport: UpstreamTransport) {
        configured = Mutex(credentials)
        self.baseURL = baseURL
        self.transport = transport
    }

    private var upstream: String { transport.upstream }

    /// Uses `credentials` from now on; tokens fetched with the old ones are forgotten. Returns
    /// whether they differ from those in use.
    func replaceCredentials(_ credentials: UpstreamCredentials?) async -> Bool {
        let changed = configured.withLock { current in
            defer { current = credentials }
            return current != credentials
        }
        if changed { await tokens.removeAll() }
        return changed
    }

    /// What to send before being asked, for `scope` (nil on `/v2/`); nil until a challenge was seen.
    func upfront(scope: String?) async throws(UpstreamError) -> AuthorizationHeader? {
        guard let challenge = discovery.challenge else { return nil }
        switch challenge.scheme {
        case .basic: return credentials.map(AuthorizationHeader.basic)
        case .bearer: return try await bearer(for: challenge, scopes: scope.map { [$0] } ?? [])
        }
    }

    /// What to retry with after a 401 that carried `challenge`, given what was sent (`refused`).
    /// Throws when no retry can succeed: no usable challenge, no credentials for Basic, or the
    /// same credentials refused already.
    func answer(_ challenge: AuthChallenge?, scope: String?, refused: AuthorizationHeader?) async throws(UpstreamError) -> AuthorizationHeader {
        discovery.learn(challenge)  // first: the requests waiting for this answer may go on
        guard let challenge else {
            throw .unauthorized(upstream: upstream, detail: "it answered 401 without a Basic or Bearer challenge")
        }
        switch challenge.scheme {
        case .basic:
            guard let credentials else {
                throw .unauthorized(upstream: upstream, detail: "it requires credentials and none are configured")
            }
            let basic = AuthorizationHeader.basic(credentials)
            if refused == basic { throw .unauthorized(upstream: upstream, detail: "it rejected the configured credentials") }
            return basic
        case .bearer:
            if let refused, refused.scheme == .bearer {
                await tokens.discard(tokenValue: refused.credential)
            }
            // The scope the upstream asked for, else the one this request needs.
            let scopes = challenge.scopes.isEmpty ? (scope.map { [$0] } ?? []) : challenge.scopes
            return try await bearer(for: challenge, scopes: scopes)
        }
    }

    /// Why a request was still refused after answering the challenge.
    func refusalDetail(_ challenge: AuthChallenge?) -> String {
        let reason = challenge?.error.map { " (\($0))" } ?? ""
        return credentials == nil
            ? "anonymous access was refused\(reason) and no credentials are configured"
            : "the configured credentials were refused\(reason)"
    }

    private func bearer(for challenge: AuthChallenge, scopes: [String]) async throws(UpstreamError) -> AuthorizationHeader {
        guard let realm = challenge.realm, !realm.isEmpty else {
            throw .badResponse(upstream: upstream, status: 401, detail: "its Bearer challenge names no token realm")
        }
        let key = TokenCache.Key(realm: realm, service: challenge.service, scopes: scopes)
        let token = try await tokens.token(for: key) { [self] () async throws(UpstreamError) -> BearerToken in
            try await fetchToken(key)
        }
        return .bearer(token)
    }

    /// GET realm?service=…&scope=…, with Basic credentials if configured (an anonymous token otherwise).
    private func fetchToken(_ key: TokenCache.Key) async throws(UpstreamError) -> BearerToken {
        guard let url = TokenRequest.url(realm: key.realm, service: key.service, scopes: key.scopes, account: credentials?.username) else {
            throw .badResponse(upstream: upstream, status: 401, detail: "its token realm \(key.realm) is not an absolute http(s) URL")
        }
        if credentials != nil, url.lowercased().hasPrefix("http:"), baseURL.lowercased().hasPrefix("https:") {
            throw .badResponse(upstream: upstream, status: 401, detail: "its token realm \(key.realm) is plain http; Stowage will not send credentials over it")
        }
        let response = try await transport.execute(transport.request(.GET, url: url, authorization: credentials.map(AuthorizationHeader.basic)))
        let received = ContinuousClock.now
        switch response.status.code {
        case 200..<300:
            let body = try await transport.collect(response, limit: 1 << 20)
            guard let token = BearerToken.decode(body, receivedAt: received) else {
                throw .badResponse(upstream: upstream, status: Int(response.status.code), detail: "its token service answered without a token")
            }
            return token
        case 401, 403:
            await transport.discard(response)
            throw .unauthorized(upstream: upstream, detail: credentials == nil
                ? "its token service refused anonymous access and no credentials are configured"
                : "its token service rejected the configured credentials")
        case 429:
            throw await transport.failure(response, unauthorizedDetail: "")
        default:
            await transport.discard(response)
            throw .badResponse(upstream: upstream, status: Int(response.status.code), detail: "its token service answered \(response.status.code)")
        }
    }
}
