/// The YAML file as written (`Configs/stowage.yaml` documents every key). Every field is optional
/// here; `ServeSettings` applies defaults and flags, and validates.
public struct ConfigFile: Decodable, Sendable, Equatable {
    public var listen: String?
    public var logLevel: String?
    public var logFormat: String?
    /// An access line for every request at info (otherwise at debug only).
    public var accessLog: Bool?
    public var storage: Storage?
    /// One upstream (the simple form) or several; not both.
    public var upstream: Upstream?
    public var upstreams: [Upstream]?
    public var connections: Connections?
    public var metrics: Metrics?
    public var tls: TLS?
    public var auth: Auth?

    /// Client authentication (`auth:`): who may pull what from this Stowage.
    public struct Auth: Decodable, Sendable, Equatable {
        /// An htpasswd file of bcrypt hashes (`htpasswd -B`).
        public var htpasswd: String?
        /// A request without credentials, on a connection whose client certificate the client CA
        /// verified (`tls.clientCA`), is the user its subject common name names.
        public var certificateUsers: Bool?
        public var realm: String?
        /// Repositories no rule names may be read without credentials.
        public var anonymousRead: Bool?
        /// How long a failed attempt waits before its 401.
        public var failureDelay: String?
        /// Tried in order; the first whose pattern matches the repository decides.
        public var rules: [Rule]?

        public struct Rule: Decodable, Sendable, Equatable {
            /// A glob over repository names: `*`, `**`, `?`, `[a-z]`, `{a,b}`.
            public var repositories: String?
            /// `anonymous`, `authenticated` or `nobody`; or name the `users` instead.
            public var access: String?
            public var users: [String]?
        }
    }

    /// The listener's TLS files (PEM); without this section Stowage serves plain HTTP.
    public struct TLS: Decodable, Sendable, Equatable {
        /// The certificate chain, leaf first.
        public var certificate: String?
        public var key: String?
        /// CA certificates that sign client certificates: TLS becomes mutual.
        public var clientCA: String?
    }

    public struct Metrics: Decodable, Sendable, Equatable {
        /// `HOST:PORT` of the metrics listener, or `off`.
        public var listen: String?
        /// Serve the metrics listener over the main listener's TLS (certificate, and client CA if set).
        public var tls: Bool?
    }

    public struct Connections: Decodable, Sendable, Equatable {
        public var idleTimeout: String?
        public var requestHeadTimeout: String?
        public var maxConnections: Int?
        public var drainDelay: String?
        public var drainTimeout: String?
        /// Renamed `drainTimeout` in 0.10; named in the error that says so.
        public var shutdownGrace: String?
    }

    public struct Storage: Decodable, Sendable, Equatable {
        public var path: String?
        public var maxSize: String?
        public var minFreeSpace: String?
    }

    public struct Upstream: Decodable, Sendable, Equatable {
        public var name: String?
        public var url: String?
        /// Registry hosts this upstream answers for in a mirror client's `?ns=`.
        public var namespaces: [String]?
        /// A first path segment that routes to this upstream: `/v2/<pathPrefix>/<repository>/…`.
        public var pathPrefix: String?
        /// Requests that name neither a namespace nor a path prefix go to the default upstream.
        public var `default`: Bool?
        public var repositoryPrefix: String?
        public var username: String?
        public var password: String?
        public var passwordFile: String?
        public var passwordEnv: String?
        public var dockerConfigJSON: String?
        /// A PEM file of CA certificates trusted for this upstream besides the system's.
        public var caFile: String?
        public var connectTimeout: String?
        public var responseTimeout: String?
        public var readTimeout: String?
        /// A blob body with no progress for this long is given up (well under `readTimeout`).
        public var stallTimeout: String?
        public var tagTTL: String?
        public var breakerThreshold: Int?
        public var breakerBackoff: String?

        public init(url: String? = nil) { self.url = url }
    }

    public init() {}
}
