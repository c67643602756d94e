import AsyncHTTPClient
import NIOCore

extension RegistryClient {
    /// The `HTTPClient` a `RegistryClient` needs: connect and read (idle) timeouts from `settings`,
    /// redirects left to `RegistryClient` (it keeps credentials off other hosts), no decompression
    /// (blob bytes must stay exactly what their digest says), and room for many concurrent
    /// downloads to one host (requests waiting for a pooled connection count against the response
    /// timeout). The caller owns it: `try await client.shutdown()` when done.
    public static func makeHTTPClient(settings: UpstreamSettings, maximumConnectionsPerHost: Int = 64) -> HTTPClient {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(settings.connectTimeout), read: TimeAmount(settings.readTimeout)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnectionsPerHost),
            decompression: .disabled
        )
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}
