import AsyncHTTPClient
import Logging
import NIOHTTP1

/// The client of one upstream registry: the pull side of the distribution API (`/v2/`, manifests,
/// blobs, tag lists), authenticated as the upstream asks, with typed errors that keep their meaning.
///
/// Repositories are the caller's names (validated by the caller); `UpstreamSettings.repositoryPrefix`
/// is added here. Build it with an `HTTPClient` from `makeHTTPClient(settings:)`, which does not
/// follow redirects itself: this client must see every hop to keep credentials on the upstream.
public final class RegistryClient: Sendable {
    public let settings: UpstreamSettings
    private let transport: UpstreamTransport
    private let sender: RequestSender
    private let authenticator: Authenticator

    public init(httpClient: HTTPClient, settings: UpstreamSettings, logger: Logger) {
        var logger = logger
        logger[metadataKey: "upstream"] = "\(settings.name)"
        let transport = UpstreamTransport(http: httpClient, upstream: settings.name, responseHeaderTimeout: settings.responseHeaderTimeout,
                                          breaker: CircuitBreaker(policy: settings.breaker), logger: logger,
                                          metrics: UpstreamMetrics(upstream: settings.name))
        let authenticator = Authenticator(credentials: settings.credentials, baseURL: settings.baseURL, transport: transport)
        self.settings = settings
        self.transport = transport
        self.sender = RequestSender(baseURL: settings.baseURL, transport: transport, authenticator: authenticator)
        self.authenticator = authenticator
    }

    /// Authenticates with `credentials` from the next request on (a reload: a license file that
    /// changed). Returns whether they differ from those in use.
    public func replaceCredentials(_ credentials: UpstreamCredentials?) async -> Bool {
        await authenticator.replaceCredentials(credentials)
    }

    /// `GET /v2/`: whether the upstream answers and accepts Stowage's authentication.
    public func ping() async throws(UpstreamError) {
        let response = try await sender.send(.GET, path: "/v2/", scope: nil)
        if response.status == .notFound {
            await transport.discard(response)
            throw .badResponse(upstream: settings.name, status: 404, detail: "it does not serve the registry v2 API at /v2/")
        }
        try await requireSuccess(response)
        await transport.discard(response)
    }

    /// A manifest by tag or digest, asked for with every manifest media type.
    public func manifest(repository: String, reference: String, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest {
        let response = try await sender.send(method == .head ? .HEAD : .GET,
                                             path: "/v2/\(settings.upstreamRepository(repository))/manifests/\(reference)",
                                             scope: settings.pullScope(repository), accept: UpstreamManifest.acceptHeader)
        try await requireSuccess(response)
        let mediaType = UpstreamManifest.mediaType(fromContentType: response.headers.first(name: "Content-Type"))
        let digest = response.headers.first(name: "Docker-Content-Digest")
        let length = Self.contentLength(response)
        guard method == .get else {
            return UpstreamManifest(mediaType: mediaType, digest: digest, size: length, bytes: nil)
        }
        let bytes = try await transport.collect(response, limit: UpstreamManifest.maximumBytes)
        return UpstreamManifest(mediaType: mediaType, digest: digest, size: length ?? Int64(bytes.count), bytes: bytes)
    }

    /// A blob, with its body still streaming (see `UpstreamBlob`). Redirects to storage are followed,
    /// without the upstream's credentials unless the storage is the upstream itself.
    public func blob(repository: String, digest: String) async throws(UpstreamError) -> UpstreamBlob {
        let response = try await sender.send(.GET, path: "/v2/\(settings.upstreamRepository(repository))/blobs/\(digest)",
                                             scope: settings.pullScope(repository))
        if response.status == .partialContent {
            // Nothing asked for a range, so a part of the blob is not the blob.
            await transport.discard(response)
            throw .badResponse(upstream: settings.name, status: 206, detail: "it answered a whole-blob request with a part")
        }
        try await requireSuccess(response)
        return UpstreamBlob(contentLength: Self.contentLength(response), mediaType: response.headers.first(name: "Content-Type"),
                            body: ByteStream(response.body))
    }

    /// A blob's size from a `HEAD`, without downloading it; nil when the upstream does not say,
    /// including when it redirects (signed storage URLs are usually valid for GET only).
    public func blobSize(repository: String, digest: String) async throws(UpstreamError) -> Int64? {
        let response = try await sender.send(.HEAD, path: "/v2/\(settings.upstreamRepository(repository))/blobs/\(digest)",
                                             scope: settings.pullScope(repository), followRedirects: false)
        if Redirect.statuses.contains(response.status.code) { return nil }
        try await requireSuccess(response)
        return Self.contentLength(response)
    }

    /// One page of tags; `query` (`n=…&last=…`) is passed on unchanged.
    public func tags(repository: String, query: String?) async throws(UpstreamError) -> UpstreamListing {
        try await listing("/v2/\(settings.upstreamRepository(repository))/tags/list", query: query, scope: settings.pullScope(repository))
    }

    /// One page of the upstream's repository catalog; `query` (`n=…&last=…`) is passed on unchanged.
    /// Names are the upstream's, prefix included.
    public func catalog(query: String?) async throws(UpstreamError) -> UpstreamListing {
        try await listing("/v2/_catalog", query: query, scope: "registry:catalog:*")
    }

    private func listing(_ path: String, query: String?, scope: String) async throws(UpstreamError) -> UpstreamListing {
        let queryPart = query.flatMap { $0.isEmpty ? nil : "?\($0)" } ?? ""
        let response = try await sender.send(.GET, path: path + queryPart, scope: scope)
        try await requireSuccess(response)
        let bytes = try await transport.collect(response, limit: UpstreamListing.maximumBytes)
        return UpstreamListing(bytes: bytes, contentType: response.headers.first(name: "Content-Type"),
                               link: response.headers.first(name: "Link"))
    }

    private func requireSuccess(_ response: HTTPClientResponse) async throws(UpstreamError) {
        guard !(200..<300).contains(response.status.code) else { return }
        throw await transport.failure(response, unauthorizedDetail: "the request was refused after a redirect")
    }

    private static func contentLength(_ response: HTTPClientResponse) -> Int64? {
        response.headers.first(name: "Content-Length").flatMap { Int64($0.trimmingHTTPWhitespace) }
    }
}
