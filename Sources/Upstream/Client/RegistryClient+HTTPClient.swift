import AsyncHTTPClient
import NIOCore
import NIOSSL

extension RegistryClient {
    /// The `HTTPClient` a `RegistryClient` needs: connect and read (idle) timeouts from `settings`,
    /// redirects left to `RegistryClient` (it keeps credentials off other hosts), no decompression
    /// (blob bytes must stay exactly what their digest says), and room for many concurrent
    /// downloads to one host (requests waiting for a pooled connection count against the response
    /// timeout). The caller owns it: `try await client.shutdown()` when done.
    ///
    /// A connection that cannot be made fails its requests at once rather than being retried until
    /// the connect timeout: a refused port or an unknown host is known in a millisecond, and
    /// the breaker (not a silent wait) is what keeps a down upstream from being hammered.
    public static func makeHTTPClient(settings: UpstreamSettings, maximumConnectionsPerHost: Int = 64) -> HTTPClient {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnectionsPerHost)
        pool.retryConnectionEstablishment = false
        // TLS 1.2 at least, the system's CAs, and the upstream's own CA file if it names one.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = settings.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(settings.connectTimeout), read: TimeAmount(settings.readTimeout)),
            connectionPool: pool,
            decompression: .disabled
        )
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
