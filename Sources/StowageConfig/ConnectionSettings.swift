/// How long client connections may stay idle or take to send a request head, how many may be
/// open, and how the server drains when it is told to stop (`connections:`).
public struct ConnectionSettings: Sendable, Equatable {
    public var idleTimeout: Duration = .seconds(60)
    public var requestHeadTimeout: Duration = .seconds(10)
    /// Nil: derived from the process's descriptor limit (see `ServeSettings`' documentation).
    public var maxConnections: Int?
    /// After SIGTERM: `/readyz` answers 503 at once, and requests are still served this long, while
    /// load balancers and Kubernetes take the node out of rotation.
    public var drainDelay: Duration = .seconds(5)
    /// Then no new connections; requests in progress get this long to finish.
    public var drainTimeout: Duration = .seconds(60)

    public init() {}

    static func resolve(file: ConfigFile.Connections?, overrides: ServeOverrides) throws(ConfigError) -> ConnectionSettings {
        var settings = ConnectionSettings()
        if let text = overrides.idleTimeout ?? file?.idleTimeout {
            settings.idleTimeout = try ServeSettings.duration(text, key: overrides.idleTimeout != nil ? "--idle-timeout" : "connections.idleTimeout")
        }
        if let text = overrides.requestHeadTimeout ?? file?.requestHeadTimeout {
            settings.requestHeadTimeout = try ServeSettings.duration(
                text, key: overrides.requestHeadTimeout != nil ? "--request-head-timeout" : "connections.requestHeadTimeout")
        }
        if file?.shutdownGrace != nil {
            throw ConfigError(key: "connections.shutdownGrace", problem: "was renamed drainTimeout (default 60s) in 0.10, which drainDelay (default 5s) now precedes")
        }
        if let text = overrides.drainDelay ?? file?.drainDelay {
            settings.drainDelay = try ServeSettings.duration(text, key: overrides.drainDelay != nil ? "--drain-delay" : "connections.drainDelay", allowZero: true)
        }
        if let text = overrides.drainTimeout ?? file?.drainTimeout {
            settings.drainTimeout = try ServeSettings.duration(text, key: overrides.drainTimeout != nil ? "--drain-timeout" : "connections.drainTimeout",
                                                               allowZero: true)
        }
        if let maximum = overrides.maxConnections ?? file?.maxConnections {
            guard maximum >= 1 else {
                throw ConfigError(key: overrides.maxConnections != nil ? "--max-connections" : "connections.maxConnections",
                                  problem: "must be at least 1 (got \(maximum))")
            }
            settings.maxConnections = maximum
        }
        return settings
    }
}
