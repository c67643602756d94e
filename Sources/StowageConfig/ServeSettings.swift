import Foundation
import Upstream

/// Flags given on the command line; each one wins over the file.
public struct ServeOverrides: Sendable {
    public var listen: String?
    public var storage: String?
    public var logLevel: String?
    public var upstreamURL: String?
    public var upstreamName: String?
    public var upstreamUsername: String?
    public var upstreamPasswordFile: String?
    public var upstreamPasswordEnv: String?
    public var upstreamPrefix: String?
    public var connectTimeout: String?
    public var responseTimeout: String?
    public var tagTTL: String?
    public var maxSize: String?
    public var breakerBackoff: String?

    public init() {}
}

/// Everything `stowage serve` needs, validated. Built from the file, then the flags, then defaults.
public struct ServeSettings: Sendable {
    public var listenHost: String
    public var listenPort: Int
    public var storage: StorageSettings
    public var logLevel: String
    public var upstream: UpstreamSettings
    /// How long a tag confirmed by the upstream is served without revalidation (zero: always revalidate).
    public var tagTTL: Duration

    public static let defaultListen = "127.0.0.1:5000"
    public static let defaultTagTTL: Duration = .seconds(60)
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public static func resolve(file: ConfigFile, overrides: ServeOverrides, environment: [String: String]) throws(ConfigError) -> ServeSettings {
        let listenKey = overrides.listen != nil ? "--listen" : "listen"
        let (host, port) = try parseListen(overrides.listen ?? file.listen ?? defaultListen, key: listenKey)

        let storage = try StorageSettings.resolve(file: file, path: overrides.storage, maxSize: overrides.maxSize)

        let logLevel = overrides.logLevel ?? file.logLevel ?? "info"
        guard logLevels.contains(logLevel) else {
            throw ConfigError(key: overrides.logLevel != nil ? "--log-level" : "logLevel", problem: "must be one of \(logLevels.joined(separator: ", "))")
        }

        let upstream = file.upstream ?? ConfigFile.Upstream()
        guard let url = overrides.upstreamURL ?? upstream.url else {
            throw ConfigError(key: "upstream.url", problem: "is required (or pass --upstream URL)")
        }
        let urlKey = overrides.upstreamURL != nil ? "--upstream" : "upstream.url"
        let baseURL = try parseBaseURL(url, key: urlKey)

        var prefix = overrides.upstreamPrefix ?? upstream.repositoryPrefix
        if let value = prefix {
            let trimmed = value.trimmingCharacters(in: "/")
            prefix = trimmed.isEmpty ? nil : trimmed
        }

        var source = CredentialSource(file: upstream)
        if let username = overrides.upstreamUsername { source.username = username }
        if overrides.upstreamPasswordFile != nil || overrides.upstreamPasswordEnv != nil {
            source = CredentialSource(username: source.username, passwordFile: overrides.upstreamPasswordFile, passwordEnv: overrides.upstreamPasswordEnv)
        }
        let credentials = try source.resolve(registryHost: hostAndPort(of: baseURL), environment: environment)

        var settings = UpstreamSettings(
            name: overrides.upstreamName ?? upstream.name ?? hostAndPort(of: baseURL),
            baseURL: baseURL,
            repositoryPrefix: prefix,
            credentials: credentials
        )
        if let text = overrides.connectTimeout ?? upstream.connectTimeout {
            settings.connectTimeout = try duration(text, key: overrides.connectTimeout != nil ? "--connect-timeout" : "upstream.connectTimeout")
        }
        if let text = overrides.responseTimeout ?? upstream.responseTimeout {
            settings.responseHeaderTimeout = try duration(text, key: overrides.responseTimeout != nil ? "--response-timeout" : "upstream.responseTimeout")
        }
        if let text = upstream.readTimeout {
            settings.readTimeout = try duration(text, key: "upstream.readTimeout")
        }
        if let threshold = upstream.breakerThreshold {
            guard threshold >= 1 else { throw ConfigError(key: "upstream.breakerThreshold", problem: "must be at least 1 (got \(threshold))") }
            settings.breaker.threshold = threshold
        }
        if let text = overrides.breakerBackoff ?? upstream.breakerBackoff {
            settings.breaker.backoff = try duration(text, key: overrides.breakerBackoff != nil ? "--breaker-backoff" : "upstream.breakerBackoff")
            settings.breaker.maximumBackoff = max(settings.breaker.maximumBackoff, settings.breaker.backoff)
        }
        var tagTTL = defaultTagTTL
        if let text = overrides.tagTTL ?? upstream.tagTTL {
            tagTTL = try duration(text, key: overrides.tagTTL != nil ? "--tag-ttl" : "upstream.tagTTL", allowZero: true)
        }
        return ServeSettings(listenHost: host, listenPort: port, storage: storage, logLevel: logLevel, upstream: settings, tagTTL: tagTTL)
    }

    static func parseListen(_ text: String, key: String) throws(ConfigError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ConfigError(key: key, problem: "must be HOST:PORT, e.g. 127.0.0.1:5000 (got \"\(text)\")")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(key: key, problem: "must be HOST:PORT with a port from 0 to 65535 (got \"\(text)\")")
        }
        return (host, port)
    }

    static func parseBaseURL(_ text: String, key: String) throws(ConfigError) -> String {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil else {
            throw ConfigError(key: key, problem: "must be an http:// or https:// URL such as https://registry.example.com (got \"\(text)\")")
        }
        return trimmed
    }

    /// `host` or `host:port` of an already validated base URL.
    static func hostAndPort(of baseURL: String) -> String {
        guard let url = URL(string: baseURL), let host = url.host else { return baseURL }
        return url.port.map { "\(host):\($0)" } ?? host
    }

    static func duration(_ text: String, key: String, allowZero: Bool = false) throws(ConfigError) -> Duration {
        guard let value = DurationText.parse(text), value > .zero || (allowZero && value == .zero) else {
            let kind = allowZero ? "a duration" : "a positive duration"
            throw ConfigError(key: key, problem: "must be \(kind) such as 500ms, 5s or 2m (got \"\(text)\")")
        }
        return value
    }
}
