/// Credentials Stowage presents to an upstream: Basic auth, and the identity it asks tokens for.
public struct UpstreamCredentials: Sendable, Equatable, CustomStringConvertible {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Never shows the password (a license ID, typically).
    public var description: String { "\(username):<redacted>" }
}

/// How to reach one upstream registry.
public struct UpstreamSettings: Sendable {
    /// Used in logs and in the messages clients see.
    public var name: String
    /// `scheme://host[:port]` with no trailing slash.
    public var baseURL: String
    /// Put in front of every repository at the upstream (a license proxy's `proxy/<app-slug>`).
    public var repositoryPrefix: String?
    public var credentials: UpstreamCredentials?
    public var connectTimeout: Duration = .seconds(5)
    /// Until the response status and headers arrive; a long body may stream for longer.
    public var responseHeaderTimeout: Duration = .seconds(10)
    /// The longest pause between two body chunks.
    public var readTimeout: Duration = .seconds(60)

    public init(name: String, baseURL: String, repositoryPrefix: String? = nil, credentials: UpstreamCredentials? = nil) {
        self.name = name
        self.baseURL = baseURL
        self.repositoryPrefix = repositoryPrefix
        self.credentials = credentials
    }

    /// The repository's path at the upstream.
    public func upstreamRepository(_ repository: String) -> String {
        guard let prefix = repositoryPrefix, !prefix.isEmpty else { return repository }
        return "\(prefix)/\(repository)"
    }
}
