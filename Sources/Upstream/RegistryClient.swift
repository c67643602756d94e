import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The client of one upstream registry: manifests, blobs and tag lists, with Basic or Bearer auth
/// answered from the upstream's challenge, typed errors, bounded timeouts, and redirects followed by
/// hand so that `Authorization` never reaches another host.
public final class RegistryClient: Sendable {
    public let settings: UpstreamSettings
    private let http: HTTPClient
    private let logger: Logger
    private let tokens = TokenCache()
    /// What the upstream asked for last time, so later requests authenticate up front.
    private let knownChallenge = Mutex<AuthChallenge?>(nil)

    static let maximumManifestBytes = 4 << 20
    static let maximumListingBytes = 16 << 20
    static let maximumRedirects = 5

    public init(httpClient: HTTPClient, settings: UpstreamSettings, logger: Logger) {
        self.http = httpClient
        self.settings = settings
        self.logger = logger
    }

    /// An HTTP client for `settings`: connect and read timeouts, no automatic redirects (followed
    /// here), no decompression (bytes must stay exact). Shut it down with `shutdown()`.
    public static func makeHTTPClient(settings: UpstreamSettings) -> HTTPClient {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .init(settings.connectTimeout), read: .init(settings.readTimeout)),
            decompression: .disabled
        )
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: API

    public func ping() async throws(UpstreamError) {
        let response = try await send(.GET, path: "/v2/", scope: nil)
        _ = try await successBody(response, limit: 64 << 10)
    }

    public func manifest(repository: String, reference: String, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest {
        let upstreamRepository = settings.upstreamRepository(repository)
        let response = try await send(method == .head ? .HEAD : .GET, path: "/v2/\(upstreamRepository)/manifests/\(reference)",
                                      scope: pullScope(upstreamRepository), accept: Self.manifestAccept)
        let mediaType = (response.headers.first(name: "Content-Type") ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        let digest = response.headers.first(name: "Docker-Content-Digest")
        let size = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        if method == .head {
            try await requireSuccess(response)
            return UpstreamManifest(mediaType: mediaType, digest: digest, size: size, bytes: nil)
        }
        let bytes = try await successBody(response, limit: Self.maximumManifestBytes)
        return UpstreamManifest(mediaType: mediaType, digest: digest, size: size, bytes: bytes)
    }

    public func blob(repository: String, digest: String) async throws(UpstreamError) -> UpstreamBlob {
        let upstreamRepository = settings.upstreamRepository(repository)
        var response = try await send(.GET, path: "/v2/\(upstreamRepository)/blobs/\(digest)", scope: pullScope(upstreamRepository))
        var url = settings.baseURL + "/v2/\(upstreamRepository)/blobs/\(digest)"
        var hops = 0
        while [301, 302, 303, 307, 308].contains(Int(response.status.code)), let location = response.headers.first(name: "Location") {
            hops += 1
            guard hops <= Self.maximumRedirects, let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL else {
                throw .badResponse(upstream: settings.name, status: Int(response.status.code), detail: "too many or unusable redirects")
            }
            url = next.absoluteString
            // Storage behind a redirect (S3, a CDN) must not see the upstream's credentials.
            let sameOrigin = origin(of: next) == origin(of: URL(string: settings.baseURL)!)
            response = try await execute(request(.GET, url: url, authorization: sameOrigin ? currentAuthorization(pullScope(upstreamRepository)) : nil))
        }
        try await requireSuccess(response)
        return UpstreamBlob(
            contentLength: response.headers.first(name: "Content-Length").flatMap { Int64($0) },
            mediaType: response.headers.first(name: "Content-Type"),
            body: response.body
        )
    }

    /// The blob's size from a `HEAD`, without downloading it; nil when the upstream does not say.
    public func blobSize(repository: String, digest: String) async throws(UpstreamError) -> Int64? {
        let upstreamRepository = settings.upstreamRepository(repository)
        let response = try await send(.HEAD, path: "/v2/\(upstreamRepository)/blobs/\(digest)", scope: pullScope(upstreamRepository))
        // A redirect to storage still proves the upstream has the blob; its size is then unknown.
        if (300..<400).contains(Int(response.status.code)) { return nil }
        try await requireSuccess(response)
        return response.headers.first(name: "Content-Length").flatMap { Int64($0) }
    }

    /// `query` (`n=…&last=…`) is passed on unchanged.
    public func tags(repository: String, query: String?) async throws(UpstreamError) -> UpstreamListing {
        let upstreamRepository = settings.upstreamRepository(repository)
        let path = "/v2/\(upstreamRepository)/tags/list" + (query.map { "?\($0)" } ?? "")
        let response = try await send(.GET, path: path, scope: pullScope(upstreamRepository))
        let bytes = try await successBody(response, limit: Self.maximumListingBytes)
        return UpstreamListing(bytes: bytes, contentType: response.headers.first(name: "Content-Type"), link: response.headers.first(name: "Link"))
    }

    // MARK: Requests and authentication

    static let manifestAccept = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.docker.distribution.manifest.v1+json",
    ].joined(separator: ", ")

    func pullScope(_ upstreamRepository: String) -> String { "repository:\(upstreamRepository):pull" }

    /// Sends a request, answering one 401 challenge with credentials or a fresh token.
    private func send(_ method: HTTPMethod, path: String, scope: String?, accept: String? = nil) async throws(UpstreamError) -> HTTPClientResponse {
        let url = settings.baseURL + path
        let response = try await execute(request(method, url: url, authorization: currentAuthorization(scope), accept: accept))
        guard response.status == .unauthorized else { return response }
        let challenge = AuthChallenge.preferred(from: response.headers["WWW-Authenticate"])
        _ = try? await response.body.collect(upTo: 64 << 10)
        guard let challenge else {
            throw .unauthorized(upstream: settings.name, detail: "it answered 401 without a challenge Stowage can answer")
        }
        guard settings.credentials != nil || challenge.scheme == .bearer else {
            throw .unauthorized(upstream: settings.name, detail: "it requires credentials and none are configured")
        }
        knownChallenge.withLock { $0 = challenge }
        if challenge.scheme == .bearer, let key = tokenKey(challenge, scope: scope) { await tokens.invalidate(key) }
        let retried = try await execute(request(method, url: url, authorization: currentAuthorization(scope), accept: accept))
        if retried.status == .unauthorized {
            _ = try? await retried.body.collect(upTo: 64 << 10)
            let detail = settings.credentials == nil ? "anonymous access was refused and no credentials are configured" : "the configured credentials were rejected"
            throw .unauthorized(upstream: settings.name, detail: detail)
        }
        return retried
    }

    /// The `Authorization` value for `scope` under the challenge the upstream gave last, if any.
    private func currentAuthorization(_ scope: String?) async throws(UpstreamError) -> String? {
        guard let challenge = knownChallenge.withLock({ $0 }) else { return nil }
        switch challenge.scheme {
        case .basic:
            return settings.credentials.map(Self.basic)
        case .bearer:
            guard let key = tokenKey(challenge, scope: scope) else { return nil }
            return "Bearer " + (try await tokens.token(for: key) { [self] () throws(UpstreamError) in try await fetchToken(key) })
        }
    }

    private func tokenKey(_ challenge: AuthChallenge, scope: String?) -> TokenCache.Key? {
        guard let realm = challenge.realm else { return nil }
        let scopes = scope.map { [$0] } ?? challenge.scope.map { $0.split(separator: " ").map(String.init) } ?? []
        return TokenCache.Key(realm: realm, service: challenge.service, scopes: scopes)
    }

    private func fetchToken(_ key: TokenCache.Key) async throws(UpstreamError) -> BearerToken {
        guard var components = URLComponents(string: key.realm), components.scheme == "http" || components.scheme == "https" else {
            throw .badResponse(upstream: settings.name, status: 401, detail: "its token realm is not an absolute http(s) URL")
        }
        var items = components.queryItems ?? []
        if !key.service.isEmpty { items.append(URLQueryItem(name: "service", value: key.service)) }
        items += key.scopes.map { URLQueryItem(name: "scope", value: $0) }
        if let user = settings.credentials?.username { items.append(URLQueryItem(name: "account", value: user)) }
        components.queryItems = items
        guard let url = components.url?.absoluteString else {
            throw .badResponse(upstream: settings.name, status: 401, detail: "its token realm is unusable")
        }
        let response = try await execute(request(.GET, url: url, authorization: settings.credentials.map(Self.basic)))
        switch response.status.code {
        case 200..<300:
            let received = ContinuousClock.now
            let bytes = try await collect(response, limit: 1 << 20)
            guard let token = BearerToken.decode(bytes, receivedAt: received) else {
                throw .badResponse(upstream: settings.name, status: Int(response.status.code), detail: "its token service sent no token")
            }
            return token
        case 401, 403:
            _ = try? await response.body.collect(upTo: 64 << 10)
            let detail = settings.credentials == nil ? "its token service refused anonymous access" : "its token service rejected the configured credentials"
            throw .unauthorized(upstream: settings.name, detail: detail)
        default:
            try await requireSuccess(response)
            throw .badResponse(upstream: settings.name, status: Int(response.status.code), detail: "unexpected token service answer")
        }
    }

    private static func basic(_ credentials: UpstreamCredentials) -> String {
        "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
    }

    private func request(_ method: HTTPMethod, url: String, authorization: String?, accept: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "stowage")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        return request
    }

    /// Executes with a deadline on the response headers only: a hung upstream is a `.timedOut`
    /// within `responseHeaderTimeout`, while a long body may stream on (under the read timeout).
    private func execute(_ request: HTTPClientRequest) async throws(UpstreamError) -> HTTPClientResponse {
        let started = ContinuousClock.now
        let path = URL(string: request.url)?.path ?? "?"
        do {
            let response = try await withThrowingTaskGroup(of: HTTPClientResponse?.self) { group in
                group.addTask { [http] in try await http.execute(request, deadline: .distantFuture) }
                group.addTask { [settings] in
                    try await Task.sleep(for: settings.responseHeaderTimeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else { throw UpstreamError.timedOut(upstream: settings.name) }
                return response
            }
            logger.debug("upstream request", metadata: [
                "upstream": "\(settings.name)", "method": "\(request.method.rawValue)", "path": "\(path)",
                "status": "\(response.status.code)", "ms": "\((ContinuousClock.now - started).components.seconds * 1000 + (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000)",
            ])
            return response
        } catch let error as UpstreamError {
            logger.warning("upstream request timed out", metadata: ["upstream": "\(settings.name)", "method": "\(request.method.rawValue)", "path": "\(path)"])
            throw error
        } catch {
            let mapped = map(error)
            logger.warning("upstream request failed", metadata: ["upstream": "\(settings.name)", "method": "\(request.method.rawValue)", "path": "\(path)", "error": "\(mapped)"])
            throw mapped
        }
    }

    private func map(_ error: any Error) -> UpstreamError {
        if let error = error as? HTTPClientError, [.connectTimeout, .deadlineExceeded, .readTimeout].contains(error) {
            return .timedOut(upstream: settings.name)
        }
        return .unreachable(upstream: settings.name, reason: Self.reason(error))
    }

    /// A short, secret-free reason for a transport failure.
    private static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return String(text.prefix(200))
    }

    // MARK: Responses

    private func requireSuccess(_ response: HTTPClientResponse) async throws(UpstreamError) {
        let status = Int(response.status.code)
        guard !(200..<300).contains(status) else { return }
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
        switch status {
        case 401: throw .unauthorized(upstream: settings.name, detail: "the configured credentials were rejected")
        case 403: throw .denied(upstream: settings.name, detail: Self.errorMessage(body) ?? "access denied")
        case 404: throw .notFound(upstream: settings.name, code: Self.errorCode(body))
        case 429: throw .tooManyRequests(upstream: settings.name, retryAfter: response.headers.first(name: "Retry-After"))
        default: throw .badResponse(upstream: settings.name, status: status, detail: Self.errorMessage(body) ?? "unexpected status")
        }
    }

    private func successBody(_ response: HTTPClientResponse, limit: Int) async throws(UpstreamError) -> [UInt8] {
        try await requireSuccess(response)
        return try await collect(response, limit: limit)
    }

    private func collect(_ response: HTTPClientResponse, limit: Int) async throws(UpstreamError) -> [UInt8] {
        do {
            return Array(try await response.body.collect(upTo: limit).readableBytesView)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw .badResponse(upstream: settings.name, status: Int(response.status.code), detail: "response larger than \(limit) bytes")
        } catch {
            throw map(error)
        }
    }

    private struct ErrorEnvelope: Decodable {
        struct Entry: Decodable {
            let code: String?
            let message: String?
        }
        let errors: [Entry]
    }

    static func errorCode(_ body: [UInt8]) -> String? {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body)))?.errors.first?.code
    }

    static func errorMessage(_ body: [UInt8]) -> String? {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body)))?.errors.first?.message.map { String($0.prefix(300)) }
    }

    private func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
