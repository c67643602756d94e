import AsyncHTTPClient
import NIOHTTP1

/// Sends one registry request the way a registry client must: authenticated (up front once the
/// scheme is known, else by answering the 401 challenge, once; until the upstream's first answer,
/// one request finds out and the others wait for it), and with redirects followed by hand so
/// `Authorization` only ever goes to the upstream's own scheme, host and port.
struct RequestSender: Sendable {
    let baseURL: String
    let transport: UpstreamTransport
    let authenticator: Authenticator

    /// `scope` is the token scope the request needs (nil for `/v2/`). Returns the final response,
    /// whatever its status; a 401 that survives the retry throws `.unauthorized`.
    func send(
        _ method: HTTPMethod,
        path: String,
        scope: String?,
        accept: String? = nil,
        followRedirects: Bool = true
    ) async throws(UpstreamError) -> HTTPClientResponse {
        // No upstream configured: what the store lacks does not exist here.
        guard !baseURL.isEmpty else { throw .notFound(upstream: transport.upstream, code: nil) }
        let url = baseURL + path
        let probing = await authenticator.discovery.admit()
        let upfront: AuthorizationHeader?
        var response: HTTPClientResponse
        do {
            upfront = try await authenticator.upfront(scope: scope)
            response = try await transport.execute(transport.request(method, url: url, authorization: upfront, accept: accept))
        } catch {
            if probing { authenticator.discovery.probeFailed() }
            throw error
        }
        if probing, response.status != .unauthorized {
            authenticator.discovery.learn(nil)  // answered without asking for credentials (a 401 is learnt by `answer`)
        }
        if response.status == .unauthorized {
            let challenge = AuthChallenge.preferred(from: response.headers["WWW-Authenticate"])
            await transport.discard(response)
            let answer = try await authenticator.answer(challenge, scope: scope, refused: upfront)
            response = try await transport.execute(transport.request(method, url: url, authorization: answer, accept: accept))
            if response.status == .unauthorized {
                let again = AuthChallenge.preferred(from: response.headers["WWW-Authenticate"])
                await transport.discard(response)
                throw .unauthorized(upstream: transport.upstream, detail: authenticator.refusalDetail(again))
            }
        }
        guard followRedirects else { return response }
        return try await following(response, from: url, method: method, scope: scope, accept: accept)
    }

    /// Follows 301/302/303/307/308 for at most `Redirect.maximumHops` hops.
    private func following(
        _ first: HTTPClientResponse,
        from url: String,
        method: HTTPMethod,
        scope: String?,
        accept: String?
    ) async throws(UpstreamError) -> HTTPClientResponse {
        var response = first
        var current = url
        var hops = 0
        while Redirect.statuses.contains(response.status.code) {
            let status = Int(response.status.code)
            let location = response.headers.first(name: "Location")
            await transport.discard(response)
            guard let next = location.flatMap({ Redirect.target(of: $0, from: current) }) else {
                throw .badResponse(upstream: transport.upstream, status: status, detail: "it redirected without a usable Location")
            }
            hops += 1
            guard hops <= Redirect.maximumHops else {
                throw .badResponse(upstream: transport.upstream, status: status, detail: "it redirected more than \(Redirect.maximumHops) times")
            }
            let authorization = Redirect.isSameOrigin(next, baseURL) ? try await authenticator.upfront(scope: scope) : nil
            response = try await transport.execute(transport.request(method, url: next, authorization: authorization, accept: accept))
            current = next
        }
        return response
    }
}
