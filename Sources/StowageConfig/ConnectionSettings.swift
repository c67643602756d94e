/// How long client connections may stay idle or take to send a request head, how many may be
/// open, and how long responses in progress get when the server stops (`connections:`).
public struct ConnectionSettings: Sendable, Equatable {
    public var idleTimeout: Duration = .seconds(60)
    public var requestHeadTimeout: Duration = .seconds(10)
    /// Nil: derived from the process's descriptor limit (see `ServeSettings`' documentation).
    public var maxConnections: Int?
    public var shutdownGrace: Duration = .seconds(5)

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
        if let text = file?.shutdownGrace {
            settings.shutdownGrace = try ServeSettings.duration(text, key: "connections.shutdownGrace", allowZero: true)
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
