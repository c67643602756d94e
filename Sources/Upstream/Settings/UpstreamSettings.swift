#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How to reach one upstream registry, and how long to wait for it.
public struct UpstreamSettings: Sendable, Equatable {
    /// Names the upstream in logs and in every error message.
    public var name: String
    /// `scheme://host[:port]`, e.g. `https://registry-1.docker.io`; trailing slashes are dropped.
    public var baseURL: String {
        didSet { baseURL = Self.trimmingTrailingSlashes(baseURL) }
    }
    /// Put in front of every repository at the upstream, e.g. a license proxy's `proxy/<app-slug>`.
    public var repositoryPrefix: String?
    public var credentials: UpstreamCredentials?
    /// TCP connect (and TLS handshake) to the upstream.
    public var connectTimeout: Duration
    /// From sending a request until its status and headers arrive; a long body may stream for longer.
    public var responseHeaderTimeout: Duration
    /// The longest silence between two reads, so a stalled body fails instead of hanging.
    public var readTimeout: Duration
    /// A blob body that makes no progress for this long is given up (its clients are cut at once,
    /// and the next request fetches anew) instead of holding them for `readTimeout`.
    public var stallTimeout: Duration
    /// When to stop trying an upstream that does not connect or answer (see `CircuitBreaker`).
    public var breaker: BreakerPolicy
    /// A PEM file of CA certificates trusted for this upstream besides the system's (an internal
    /// CA in front of a license proxy, say).
    public var caFile: String?

    public init(
        name: String,
        baseURL: String,
        repositoryPrefix: String? = nil,
        credentials: UpstreamCredentials? = nil,
        connectTimeout: Duration = .seconds(5),
        responseHeaderTimeout: Duration = .seconds(5),
        readTimeout: Duration = .seconds(60),
        stallTimeout: Duration = .seconds(15),
        breaker: BreakerPolicy = BreakerPolicy()
    ) {
        self.name = name
        self.baseURL = Self.trimmingTrailingSlashes(baseURL)
        self.repositoryPrefix = repositoryPrefix
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.responseHeaderTimeout = responseHeaderTimeout
        self.readTimeout = readTimeout
        self.stallTimeout = stallTimeout
        self.breaker = breaker
    }

    /// Stands in when no upstream is configured: every request to it is answered "not found", so
    /// the cache serves only what its store holds (an imported bundle, what was preseeded).
    public static let none = UpstreamSettings(name: "local", baseURL: "")

    /// False for `none`.
    public var isConfigured: Bool { !baseURL.isEmpty }

    /// `host[:port]` of the base URL as written; nil for `none`.
    public var hostAndPort: String? { Self.hostAndPort(of: baseURL) }

    /// `host[:port]` of a base URL as written, e.g. `proxy.example.com` or `127.0.0.1:5000`.
    public static func hostAndPort(of baseURL: String) -> String? {
        guard let url = URL(string: baseURL), let host = url.host, !host.isEmpty else { return nil }
        return url.port.map { "\(host):\($0)" } ?? host
    }

    /// The repository's name at the upstream: `org/api` becomes `proxy/<app-slug>/org/api` under a prefix.
    public func upstreamRepository(_ repository: String) -> String {
        Self.repository(repository, under: repositoryPath)
    }

    /// `repositoryPrefix` without empty segments (`/proxy//app/` is `proxy/app`); empty when there is none.
    public var repositoryPath: String {
        (repositoryPrefix ?? "").split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// `repository` under `path` (a `repositoryPath`).
    public static func repository(_ repository: String, under path: String) -> String {
        path.isEmpty ? repository : "\(path)/\(repository)"
    }

    /// The token scope that lets Stowage pull `repository` (the caller's name; the prefix is added here).
    public func pullScope(_ repository: String) -> String {
        "repository:\(upstreamRepository(repository)):pull"
    }

    private static func trimmingTrailingSlashes(_ url: String) -> String {
        var url = Substring(url)
        while url.hasSuffix("/") { url = url.dropLast() }
        return String(url)
    }
}

extension UpstreamSettings: CustomStringConvertible {
    public var description: String {
        let prefix = repositoryPrefix.map { " prefix \($0)" } ?? ""
        guard isConfigured else { return "no upstream (serving the store only)" }
        let identity = credentials.map { " as \($0.username)" } ?? " anonymously"
        return "upstream \(name) at \(baseURL)\(prefix)\(identity)"
    }
}
