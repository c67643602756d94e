import Foundation
import OCI
import Upstream

/// Flags given on the command line; each one wins over the file.
public struct ServeOverrides: Sendable {
    public var listen: String?
    public var storage: String?
    public var logLevel: String?
    public var logFormat: String?
    public var accessLog: Bool?
    public var metricsListen: String?
    public var upstreamURL: String?
    public var upstreamName: String?
    public var upstreamUsername: String?
    public var upstreamPasswordFile: String?
    public var upstreamPasswordEnv: String?
    /// `--upstream-docker-config-json`: a dockerconfigjson file or its base64 value.
    public var upstreamDockerConfigJSON: String?
    public var upstreamPrefix: String?
    /// `--upstream-ca-file`: CA certificates trusted for the one upstream besides the system's.
    public var upstreamCAFile: String?
    /// `--upstream-namespace` (repeatable): registry hosts the one upstream answers for in `?ns=`.
    public var upstreamNamespaces: [String] = []
    public var connectTimeout: String?
    public var responseTimeout: String?
    public var tagTTL: String?
    public var maxSize: String?
    public var breakerBackoff: String?
    public var readTimeout: String?
    public var stallTimeout: String?
    public var breakerThreshold: Int?
    public var idleTimeout: String?
    public var requestHeadTimeout: String?
    public var maxConnections: Int?
    public var drainDelay: String?
    public var drainTimeout: String?
    public var minFreeSpace: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var tlsClientCA: String?
    public var htpasswd: String?

    public init() {}
}

/// One upstream as `stowage serve` uses it: how to reach it, and how requests are routed to it.
public struct UpstreamDefinition: Sendable, Equatable {
    public var settings: UpstreamSettings
    /// Registry hosts it answers for in a mirror client's `?ns=`, lower case.
    public var namespaces: [String]
    /// The first path segment that routes to it (`/v2/<pathPrefix>/<repository>`), cut off; nil for none.
    public var pathPrefix: String?
    /// Requests naming neither a namespace nor a path prefix go here (with the name whole).
    public var isDefault: Bool
    /// How long a tag confirmed by the upstream is served without revalidation (zero: always revalidate).
    public var tagTTL: Duration
    /// Whether the name was given (`name`, `--upstream-name`) rather than taken from the URL's host.
    public var nameGiven = true
}

/// Everything `stowage serve` needs, validated. Built from the file, then the flags, then defaults.
public struct ServeSettings: Sendable {
    public var listenHost: String
    public var listenPort: Int
    public var storage: StorageSettings
    public var logLevel: String
    /// `text` or `json`.
    public var logFormat: String
    /// An access line for every request at `info`; otherwise at `debug` only.
    public var accessLog: Bool
    /// Where `/metrics` (and the probes) are served; nil: `metrics.listen: off`.
    public var metricsListen: (host: String, port: Int)?
    /// The metrics listener speaks the main listener's TLS (`metrics.tls`).
    public var metricsTLS: Bool
    /// In the order configured; names and namespaces unique, at most one default. Empty when
    /// none is configured: Stowage then serves what its store holds (an imported air-gap bundle).
    public var upstreams: [UpstreamDefinition]
    public var connections: ConnectionSettings
    /// Below this much free space on the store's filesystem, `/readyz` answers 503.
    public var minFreeBytes: Int64
    /// The listener's TLS files; nil: plain HTTP.
    public var tls: TLSSettings?
    /// Client authentication; nil: every client may pull everything.
    public var auth: AuthSettings?

    public static let defaultListen = "127.0.0.1:5000"
    public static let defaultMetricsListen = "127.0.0.1:5001"
    public static let defaultTagTTL: Duration = .seconds(60)
    public static let defaultMinFreeBytes: Int64 = 256 << 20
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    public static let logFormats = ["text", "json"]

    public static func resolve(file: ConfigFile, overrides: ServeOverrides, environment: [String: String]) throws(ConfigError) -> ServeSettings {
        let listenKey = overrides.listen != nil ? "--listen" : "listen"
        let (host, port) = try parseListen(overrides.listen ?? file.listen ?? defaultListen, key: listenKey)

        let storage = try StorageSettings.resolve(file: file, path: overrides.storage, maxSize: overrides.maxSize)

        let logLevel = overrides.logLevel ?? file.logLevel ?? "info"
        guard logLevels.contains(logLevel) else {
            throw ConfigError(key: overrides.logLevel != nil ? "--log-level" : "logLevel", problem: "must be one of \(logLevels.joined(separator: ", "))")
        }

        let logFormat = overrides.logFormat ?? file.logFormat ?? "text"
        guard logFormats.contains(logFormat) else {
            throw ConfigError(key: overrides.logFormat != nil ? "--log-format" : "logFormat", problem: "must be text or json (got \"\(logFormat)\")")
        }

        let upstreams = try resolveUpstreams(file: file, overrides: overrides, environment: environment)
        let connections = try ConnectionSettings.resolve(file: file.connections, overrides: overrides)
        let metricsText = overrides.metricsListen ?? file.metrics?.listen ?? defaultMetricsListen
        let metricsListen = metricsText == "off"
            ? nil : try parseListen(metricsText, key: overrides.metricsListen != nil ? "--metrics-listen" : "metrics.listen")
        var minFreeBytes = defaultMinFreeBytes
        if let text = overrides.minFreeSpace ?? file.storage?.minFreeSpace {
            guard let bytes = ByteSizeText.parse(text) else {
                throw ConfigError(key: overrides.minFreeSpace != nil ? "--min-free-space" : "storage.minFreeSpace",
                                  problem: "must be a size such as 256MiB or 2GiB (got \"\(text)\")")
            }
            minFreeBytes = bytes
        }
        let tls = try TLSSettings.resolve(file: file.tls, overrides: overrides)
        let metricsTLS = file.metrics?.tls ?? false
        if metricsTLS && tls == nil {
            throw ConfigError(key: "metrics.tls", problem: "needs the listener's TLS: give tls.certificate and tls.key (or --tls-certificate and --tls-key)")
        }
        return ServeSettings(listenHost: host, listenPort: port, storage: storage, logLevel: logLevel, logFormat: logFormat,
                             accessLog: overrides.accessLog ?? file.accessLog ?? false, metricsListen: metricsListen, metricsTLS: metricsTLS && metricsListen != nil,
                             upstreams: upstreams, connections: connections, minFreeBytes: minFreeBytes, tls: tls,
                             auth: try AuthSettings.resolve(file: file.auth, overrides: overrides, clientCA: tls?.clientCA != nil))
    }

    /// A `repositoryPrefix` without its outer slashes (nil when nothing is left); it must itself be a
    /// repository path, since it starts every name sent to the upstream.
    static func repositoryPrefix(_ value: String?, key: String) throws(ConfigError) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: "/")
        guard !trimmed.isEmpty else { return nil }
        guard RepositoryName(trimmed) != nil else {
            throw ConfigError(key: key, problem: "must be a repository path such as proxy/my-app: lowercase letters, digits, and . _ - between them (got \"\(value)\")")
        }
        return trimmed
    }

    /// The file's `upstream` or `upstreams`; `--upstream URL` replaces the URL of a single one, or
    /// stands alone in place of several. Flags that say who the upstream is apply to a single
    /// upstream only; timing flags apply to every upstream.
    static func resolveUpstreams(file: ConfigFile, overrides: ServeOverrides, environment: [String: String]) throws(ConfigError) -> [UpstreamDefinition] {
        if file.upstream != nil && file.upstreams != nil {
            throw ConfigError(key: "upstreams", problem: "give either upstream (one) or upstreams (a list), not both")
        }
        let identityFlags: [(String, Bool)] = [
            ("--upstream-name", overrides.upstreamName != nil), ("--upstream-username", overrides.upstreamUsername != nil),
            ("--upstream-password-file", overrides.upstreamPasswordFile != nil), ("--upstream-password-env", overrides.upstreamPasswordEnv != nil),
            ("--upstream-docker-config-json", overrides.upstreamDockerConfigJSON != nil),
            ("--upstream-prefix", overrides.upstreamPrefix != nil), ("--upstream-namespace", !overrides.upstreamNamespaces.isEmpty),
            ("--upstream-ca-file", overrides.upstreamCAFile != nil),
        ]
        if file.upstream == nil && (file.upstreams ?? []).isEmpty && overrides.upstreamURL == nil {
            if let (flag, _) = identityFlags.first(where: \.1) {
                throw ConfigError(key: flag, problem: "names an upstream, and none is configured: give upstream.url or --upstream URL")
            }
            return []
        }
        var entries: [(ConfigFile.Upstream, key: String)]
        if let list = file.upstreams {
            entries = list.enumerated().map { ($1, "upstreams[\($0)]") }
        } else {
            entries = [(file.upstream ?? ConfigFile.Upstream(), "upstream")]
        }
        if let url = overrides.upstreamURL {
            guard entries.count == 1 else {
                throw ConfigError(key: "--upstream", problem: "sets one upstream's URL, and the config lists \(entries.count): set the URLs in the file")
            }
            entries[0].0.url = url
        }
        if entries.count > 1, let (flag, _) = identityFlags.first(where: \.1) {
            throw ConfigError(key: flag, problem: "applies to a single upstream, and the config lists \(entries.count): set it in the file")
        }
        var definitions: [UpstreamDefinition] = []
        for (entry, key) in entries {
            definitions.append(try resolveUpstream(entry, key: key, overrides: overrides, environment: environment))
        }
        if definitions.count == 1, entries[0].0.default != false { definitions[0].isDefault = true }
        try checkDistinct(definitions, keys: entries.map(\.key))
        return definitions
    }

    private static func resolveUpstream(_ upstream: ConfigFile.Upstream, key: String, overrides: ServeOverrides,
                                        environment: [String: String]) throws(ConfigError) -> UpstreamDefinition {
        guard let url = upstream.url else { return try offlineUpstream(upstream, key: key) }
        let baseURL = try parseBaseURL(url, key: overrides.upstreamURL == url ? "--upstream" : "\(key).url")

        let prefix = try repositoryPrefix(overrides.upstreamPrefix ?? upstream.repositoryPrefix,
                                          key: overrides.upstreamPrefix != nil ? "--upstream-prefix" : "\(key).repositoryPrefix")

        var source = CredentialSource(file: upstream)
        if let username = overrides.upstreamUsername { source.username = username }
        if overrides.upstreamPasswordFile != nil || overrides.upstreamPasswordEnv != nil || overrides.upstreamDockerConfigJSON != nil {
            source = CredentialSource(username: source.username, passwordFile: overrides.upstreamPasswordFile, passwordEnv: overrides.upstreamPasswordEnv,
                                      dockerConfigJSON: overrides.upstreamDockerConfigJSON)
        }
        let credentials = try source.resolve(registryHost: hostAndPort(of: baseURL), environment: environment, key: key)

        var settings = UpstreamSettings(
            name: overrides.upstreamName ?? upstream.name ?? hostAndPort(of: baseURL),
            baseURL: baseURL,
            repositoryPrefix: prefix,
            credentials: credentials
        )
        if let caFile = overrides.upstreamCAFile ?? upstream.caFile {
            settings.caFile = try certificateFile(caFile, key: overrides.upstreamCAFile != nil ? "--upstream-ca-file" : "\(key).caFile")
        }
        if let text = overrides.connectTimeout ?? upstream.connectTimeout {
            settings.connectTimeout = try duration(text, key: overrides.connectTimeout != nil ? "--connect-timeout" : "\(key).connectTimeout")
        }
        if let text = overrides.responseTimeout ?? upstream.responseTimeout {
            settings.responseHeaderTimeout = try duration(text, key: overrides.responseTimeout != nil ? "--response-timeout" : "\(key).responseTimeout")
        }
        if let text = overrides.readTimeout ?? upstream.readTimeout {
            settings.readTimeout = try duration(text, key: overrides.readTimeout != nil ? "--read-timeout" : "\(key).readTimeout")
        }
        if let text = overrides.stallTimeout ?? upstream.stallTimeout {
            settings.stallTimeout = try duration(text, key: overrides.stallTimeout != nil ? "--stall-timeout" : "\(key).stallTimeout")
        }
        if let threshold = overrides.breakerThreshold ?? upstream.breakerThreshold {
            guard threshold >= 1 else {
                throw ConfigError(key: overrides.breakerThreshold != nil ? "--breaker-threshold" : "\(key).breakerThreshold", problem: "must be at least 1 (got \(threshold))")
            }
            settings.breaker.threshold = threshold
        }
        if let text = overrides.breakerBackoff ?? upstream.breakerBackoff {
            settings.breaker.backoff = try duration(text, key: overrides.breakerBackoff != nil ? "--breaker-backoff" : "\(key).breakerBackoff")
            settings.breaker.maximumBackoff = max(settings.breaker.maximumBackoff, settings.breaker.backoff)
        }
        var tagTTL = defaultTagTTL
        if let text = overrides.tagTTL ?? upstream.tagTTL {
            tagTTL = try duration(text, key: overrides.tagTTL != nil ? "--tag-ttl" : "\(key).tagTTL", allowZero: true)
        }
        let namespaces = overrides.upstreamNamespaces.isEmpty
            ? try namespaces(upstream.namespaces ?? [], key: "\(key).namespaces")
            : try namespaces(overrides.upstreamNamespaces, key: "--upstream-namespace")
        var definition = UpstreamDefinition(settings: settings, namespaces: namespaces, pathPrefix: try pathPrefix(upstream.pathPrefix, key: key),
                                            isDefault: upstream.default ?? false, tagTTL: tagTTL)
        definition.nameGiven = overrides.upstreamName != nil || upstream.name != nil
        return definition
    }

    /// An upstream without `url`: the far side of an air gap, serving what was imported under this
    /// name, routed as on the connected side (namespaces, path prefix, default); a miss is a 404.
    /// It needs a name (the store keys its repositories by it) and has no use for credentials.
    private static func offlineUpstream(_ upstream: ConfigFile.Upstream, key: String) throws(ConfigError) -> UpstreamDefinition {
        guard let name = upstream.name else {
            throw ConfigError(key: "\(key).url", problem: "is required (or pass --upstream URL); an offline upstream, serving only what was imported, "
                + "needs a name instead: the name its content was exported under")
        }
        if upstream.username != nil || upstream.password != nil || upstream.passwordFile != nil || upstream.passwordEnv != nil
            || upstream.dockerConfigJSON != nil {
            throw ConfigError(key: "\(key).url", problem: "is missing, so \(name) is offline and never signs in: give its url, or remove its credentials")
        }
        let offline = UpstreamSettings(name: name, baseURL: "",
                                       repositoryPrefix: try repositoryPrefix(upstream.repositoryPrefix, key: "\(key).repositoryPrefix"))
        return UpstreamDefinition(settings: offline, namespaces: try namespaces(upstream.namespaces ?? [], key: "\(key).namespaces"),
                                  pathPrefix: try pathPrefix(upstream.pathPrefix, key: key), isDefault: upstream.default ?? false,
                                  tagTTL: defaultTagTTL)
    }

    /// `path`, once it is known to hold a PEM certificate: a wrong path fails at start-up, not at
    /// the first TLS handshake.
    static func certificateFile(_ path: String, key: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError(key: key, problem: "cannot read \(path)") }
        guard String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw ConfigError(key: key, problem: "\(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return path
    }

    private static func namespaces(_ given: [String], key: String) throws(ConfigError) -> [String] {
        var namespaces: [String] = []
        for namespace in given {
            guard RegistryHost.isValid(namespace) else {
                throw ConfigError(key: key, problem: "must be registry host names such as docker.io or ghcr.io (got \"\(namespace)\")")
            }
            namespaces.append(namespace.lowercased())
        }
        return namespaces
    }

    private static func pathPrefix(_ given: String?, key: String) throws(ConfigError) -> String? {
        if let given, RepositoryName(given) == nil || given.contains("/") {
            throw ConfigError(key: "\(key).pathPrefix", problem: "must be one path segment of lower-case letters, digits, '.', '_' or '-' (got \"\(given)\"): it routes /v2/<pathPrefix>/<repository>")
        }
        return given
    }

    /// Names key the store, and namespaces and path prefixes route requests, so each may belong to
    /// one upstream only. A path prefix on the default upstream is refused: every repository there
    /// would have two names (`app` and `<prefix>/app`), and its own repositories whose first segment
    /// is the prefix could not be reached (they would be fetched without it).
    private static func checkDistinct(_ upstreams: [UpstreamDefinition], keys: [String]) throws(ConfigError) {
        var names: Set<String> = []
        var namespaces: [String: String] = [:]
        var pathPrefixes: [String: String] = [:]
        for (upstream, key) in zip(upstreams, keys) {
            let name = upstream.settings.name
            guard names.insert(name).inserted else {
                throw ConfigError(key: "\(key).name", problem: "\(name) names another upstream too; names must be unique")
            }
            if upstreams.count > 1, RepositoryName(name) == nil || name.contains("/") {
                throw ConfigError(key: "\(key).name", problem: "must be one path segment of lower-case letters, digits, '.', '_' or '-' (got \"\(name)\"): `stowage ls` names its repositories \(name)/<repository>")
            }
            if let pathPrefix = upstream.pathPrefix {
                if let other = pathPrefixes[pathPrefix] {
                    throw ConfigError(key: "\(key).pathPrefix", problem: "\(pathPrefix) is upstream \(other)'s path prefix too; a path prefix routes to one upstream")
                }
                pathPrefixes[pathPrefix] = name
                if upstream.isDefault {
                    throw ConfigError(key: "\(key).pathPrefix", problem: "\(name) is the default upstream, which every name without a prefix reaches whole: "
                        + "with the prefix too, /v2/\(pathPrefix)/app and /v2/app would both be \(name)'s app, and \(name)'s own \(pathPrefix)/… repositories "
                        + "would be fetched without their first segment. Remove pathPrefix (point clients at this Stowage without a path), "
                        + "or make another upstream the default")
                }
            }
            for namespace in upstream.namespaces {
                let canonical = RegistryHost.canonical(namespace)
                if let other = namespaces[canonical], other != name {
                    throw ConfigError(key: "\(key).namespaces", problem: "\(namespace) is upstream \(other)'s namespace too; a namespace routes to one upstream")
                }
                namespaces[canonical] = name
            }
        }
        let defaults = zip(upstreams, keys).filter { $0.0.isDefault }
        if defaults.count > 1 {
            throw ConfigError(key: "\(defaults[1].1).default", problem: "only one upstream can be the default (\(defaults[0].0.settings.name) is)")
        }
    }

    /// `HOST:PORT`; `:PORT` (no host) is every IPv4 interface, as `0.0.0.0:PORT` (`[::]:PORT` for IPv6).
    static func parseListen(_ text: String, key: String) throws(ConfigError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigError(key: key, problem: "must be HOST:PORT, e.g. 127.0.0.1:5000 (got \"\(text)\")")
        }
        var host = colon == text.startIndex ? "0.0.0.0" : String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(key: key, problem: "must be HOST:PORT with a port from 0 to 65535 (got \"\(text)\")")
        }
        return (host, port)
    }

    static func parseBaseURL(_ text: String, key: String) throws(ConfigError) -> String {
        if let redacted = redactingCredentials(text) {
            // The URL is logged at start-up and in errors: a password in it would be too.
            throw ConfigError(key: key, problem: "holds credentials (\(redacted)): give the user as username and the password as passwordFile or "
                + "passwordEnv (--upstream-username, --upstream-password-file, --upstream-password-env), never in the URL")
        }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil else {
            throw ConfigError(key: key, problem: "must be an http:// or https:// URL such as https://registry.example.com (got \"\(text)\")")
        }
        guard !url.path.hasSuffix("/v2") else {
            throw ConfigError(key: key, problem: "ends in /v2: give the registry's base URL without it, Stowage adds /v2/ itself (got \"\(text)\")")
        }
        return trimmed
    }

    /// The URL with its user information shown as `***@`, when it has any (`scheme://user:password@host`);
    /// nil when it has none.
    static func redactingCredentials(_ text: String) -> String? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        return String(text[..<schemeEnd.upperBound]) + "***@" + String(text[text.index(after: at)...])
    }

    /// `host` or `host:port` of an already validated base URL.
    static func hostAndPort(of baseURL: String) -> String {
        UpstreamSettings.hostAndPort(of: baseURL) ?? baseURL
    }

    static func duration(_ text: String, key: String, allowZero: Bool = false) throws(ConfigError) -> Duration {
        guard let value = DurationText.parse(text), value > .zero || (allowZero && value == .zero) else {
            let kind = allowZero ? "a duration" : "a positive duration"
            throw ConfigError(key: key, problem: "must be \(kind) such as 500ms, 5s or 2m (got \"\(text)\")")
        }
        return value
    }
}
