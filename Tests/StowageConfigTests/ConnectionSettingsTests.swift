import StowageConfig
import Testing

@Suite struct ConnectionSettingsTests {
    func resolve(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) throws -> ConnectionSettings {
        try ServeSettings.resolve(file: try ConfigLoader.parse(yaml), overrides: overrides, environment: [:]).connections
    }

    func problem(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) -> ConfigError? {
        do {
            _ = try resolve(yaml, overrides)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func withoutASectionTheDefaultsApply() throws {
        let settings = try resolve("upstream: {url: https://a.example}")
        #expect(settings.idleTimeout == .seconds(60))
        #expect(settings.requestHeadTimeout == .seconds(10))
        #expect(settings.maxConnections == nil)
        #expect(settings.drainDelay == .seconds(5))
        #expect(settings.drainTimeout == .seconds(60))
    }

    @Test func theFileSetsEachLimit() throws {
        let settings = try resolve("""
            upstream: {url: https://a.example}
            connections: {idleTimeout: 2m, requestHeadTimeout: 5s, maxConnections: 300, drainDelay: 0s, drainTimeout: 2m}
            """)
        #expect(settings.idleTimeout == .seconds(120))
        #expect(settings.requestHeadTimeout == .seconds(5))
        #expect(settings.maxConnections == 300)
        #expect(settings.drainDelay == .zero)
        #expect(settings.drainTimeout == .seconds(120))
    }

    @Test func theDrainFlagsWinOverTheFile() throws {
        var overrides = ServeOverrides()
        overrides.drainDelay = "1s"
        overrides.drainTimeout = "9s"
        let settings = try resolve("connections: {drainDelay: 5s, drainTimeout: 60s}", overrides)
        #expect(settings.drainDelay == .seconds(1))
        #expect(settings.drainTimeout == .seconds(9))
    }

    @Test func theRenamedShutdownGraceSaysWhatItIsNow() {
        let error = problem("connections: {shutdownGrace: 5s}")
        #expect(error?.key == "connections.shutdownGrace")
        #expect(error?.problem == "was renamed drainTimeout (default 60s) in 0.10, which drainDelay (default 5s) now precedes")
    }

    @Test func flagsWinOverTheFile() throws {
        var overrides = ServeOverrides()
        overrides.idleTimeout = "3s"
        overrides.requestHeadTimeout = "4s"
        overrides.maxConnections = 7
        let settings = try resolve("upstream: {url: https://a.example}\nconnections: {idleTimeout: 2m, maxConnections: 300}", overrides)
        #expect(settings.idleTimeout == .seconds(3))
        #expect(settings.requestHeadTimeout == .seconds(4))
        #expect(settings.maxConnections == 7)
    }

    @Test func aZeroMaximumIsRefusedNamingTheKey() {
        #expect(problem("connections: {maxConnections: 0}")?.key == "connections.maxConnections")
        var overrides = ServeOverrides()
        overrides.maxConnections = 0
        #expect(problem("", overrides)?.key == "--max-connections")
    }

    @Test func aBadDurationIsRefusedNamingTheKey() {
        #expect(problem("connections: {idleTimeout: soon}")?.key == "connections.idleTimeout")
        #expect(problem("connections: {requestHeadTimeout: 0s}")?.key == "connections.requestHeadTimeout")
    }
}
