import Foundation
import StowageConfig
import Testing
import Upstream

@Suite struct StorageSettingsTests {
    func settings(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) throws -> ServeSettings {
        try ServeSettings.resolve(file: try ConfigLoader.parse(yaml), overrides: overrides, environment: [:])
    }

    @Test(arguments: [
        ("500MiB", Int64(500) << 20), ("50GiB", Int64(50) << 30), ("2TB", Int64(2_000_000_000_000)), ("1.5KiB", 1536),
        ("4096", 4096), ("10 MB", 10_000_000),
    ])
    func sizesAcceptBinaryAndDecimalUnits(_ text: String, _ bytes: Int64) {
        #expect(ByteSizeText.parse(text) == bytes)
    }

    @Test(arguments: ["", "MiB", "-1GiB", "12 parsecs", "1e30"])
    func nonsenseIsNotASize(_ text: String) {
        #expect(ByteSizeText.parse(text) == nil)
    }

    @Test func maxSizeComesFromTheFileAndTheFlagWins() throws {
        let yaml = "upstream: {url: https://r.example}\nstorage: {maxSize: 10GiB}"
        #expect(try settings(yaml).storage.maxBytes == 10 << 30)
        var overrides = ServeOverrides()
        overrides.maxSize = "500MiB"
        #expect(try settings(yaml, overrides).storage.maxBytes == 500 << 20)
    }

    @Test func noMaxSizeMeansNoLimit() throws {
        #expect(try settings("upstream: {url: https://r.example}").storage.maxBytes == nil)
    }

    @Test func aBadMaxSizeIsNamed() {
        #expect(throws: ConfigError(key: "storage.maxSize", problem: "must be a positive size such as 500MiB or 50GiB (got \"lots\")")) {
            try settings("upstream: {url: https://r.example}\nstorage: {maxSize: lots}")
        }
        var overrides = ServeOverrides()
        overrides.maxSize = "0"
        #expect(throws: ConfigError.self) { try settings("upstream: {url: https://r.example}", overrides) }
    }

    @Test func theBreakerDefaultsToOneFailureAndTenSecondsAndIsConfigurable() throws {
        #expect(try settings("upstream: {url: https://r.example}").upstreams[0].settings.breaker == BreakerPolicy())
        let tuned = try settings("upstream: {url: https://r.example, breakerThreshold: 3, breakerBackoff: 30s}").upstreams[0].settings.breaker
        #expect(tuned.threshold == 3)
        #expect(tuned.backoff == .seconds(30))
        #expect(throws: ConfigError.self) { try settings("upstream: {url: https://r.example, breakerThreshold: 0}") }
    }

    @Test func relativePathsInAConfigFileAreRelativeToTheFilesDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/etc", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            storage: {path: ../data}
            upstream: {url: https://p.example, passwordFile: license, dockerConfigJSON: /abs/config.json}
            """.write(toFile: directory + "/etc/stowage.yaml", atomically: true, encoding: .utf8)

        let file = try ConfigLoader.load(path: directory + "/etc/stowage.yaml")

        #expect(file.storage?.path == directory + "/data")
        #expect(file.upstream?.passwordFile == directory + "/etc/license")
        #expect(file.upstream?.dockerConfigJSON == "/abs/config.json")
    }
}
