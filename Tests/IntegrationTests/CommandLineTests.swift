import Foundation
import Testing

/// `stowage serve` refuses bad configuration with a message naming the key, and exit code 2.
@Suite struct CommandLineTests {
    private func serve(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.stowage)
        process.arguments = ["serve", "--storage", Paths.temporaryDirectory("cli")] + arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    private func config(_ yaml: String) throws -> String {
        let path = Paths.temporaryDirectory("cli-config") + "/stowage.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [["--version"], ["version"]])
    func theVersionIsPrintedAlone(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.stowage)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(printed == "0.10.0\n")
    }

    @Test func anUnknownKeyExitsWith2NamingIt() throws {
        let result = try serve(["--config", try config("upstream:\n  url: http://127.0.0.1:9\n  pasword: x\n")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("upstream.pasword: unknown key"))
    }

    @Test func aBadFlagValueExitsWith2NamingTheFlag() throws {
        let result = try serve(["--config", Paths.harness + "/empty-config.yaml", "--upstream", "ftp://x", "--listen", "127.0.0.1:0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--upstream: must be an http:// or https:// URL"))
    }

    @Test func credentialsInTheUpstreamURLAreRefusedAndNeverPrinted() throws {
        let result = try serve(["--config", Paths.harness + "/empty-config.yaml", "--upstream", "http://user%40x:LICENSE123@127.0.0.1:9",
                                "--listen", "127.0.0.1:0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--upstream: holds credentials (http://***@127.0.0.1:9)"), "\(result.stderr)")
        #expect(!result.stderr.contains("LICENSE123"))
    }

    @Test func aMissingConfigFileExitsWith2() throws {
        let result = try serve(["--config", "/nonexistent/stowage.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/stowage.yaml"))
    }

    @Test func aPasswordFileThatCannotBeReadIsNamed() throws {
        let result = try serve(["--config", Paths.harness + "/empty-config.yaml", "--upstream", "http://127.0.0.1:9",
                                "--upstream-username", "u", "--upstream-password-file", "/nonexistent/license"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("upstream.passwordFile: cannot read /nonexistent/license"))
    }

    /// A path prefix on the default upstream would give each of its repositories two names and cut
    /// the first segment of those named like the prefix (the routing trap): refused at start-up.
    @Test func aPathPrefixOnTheDefaultUpstreamIsRefusedNamingTheCollision() throws {
        let result = try serve(["--config", try config("""
            upstreams:
              - name: lab
                url: http://127.0.0.1:9
                default: true
                pathPrefix: lab
              - name: ghcr
                url: http://127.0.0.1:9
                pathPrefix: ghcr
            """)])
        #expect(result.status == 2)
        #expect(result.stderr.contains("upstreams[0].pathPrefix: lab is the default upstream, which every name without a prefix reaches whole: "
            + "with the prefix too, /v2/lab/app and /v2/app would both be lab's app, and lab's own lab/… repositories would be fetched "
            + "without their first segment. Remove pathPrefix"), "\(result.stderr)")
    }

    @Test func aPathPrefixOfTwoUpstreamsIsRefused() throws {
        let result = try serve(["--config", try config("""
            upstreams:
              - name: a
                url: http://127.0.0.1:9
                pathPrefix: mirror
              - name: b
                url: http://127.0.0.1:9
                pathPrefix: mirror
            """)])
        #expect(result.status == 2)
        #expect(result.stderr.contains("upstreams[1].pathPrefix: mirror is upstream a's path prefix too; a path prefix routes to one upstream"))
    }
}

/// Secrets never reach a log line, even at debug level.
@Suite struct SecretHygieneTests {
    @Test func debugLogsOfATokenPullContainNoLicenseTokenOrAuthorization() async throws {
        let upstream = try await Fixtures.tokenUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        _ = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/missing", headers: [acceptAll])
        await stowage.stop()
        let log = stowage.log()
        #expect(log.contains("upstream request"), "debug logging was on")
        #expect(!log.contains(UpstreamRegistry.password))
        #expect(!log.contains(Data("\(UpstreamRegistry.user):\(UpstreamRegistry.password)".utf8).base64EncodedString()))
        #expect(!log.contains("eyJ"), "no JWT")
        #expect(!log.lowercased().contains("authorization:"))
        #expect(!log.contains("Bearer "))
    }

    /// `--log-format json`: every line of a debug-level run through the token-auth upstream is one
    /// JSON object, and none holds the password, its base64, a JWT or an `Authorization` header.
    @Test func everyJSONLogLineOfADebugTokenPullParsesAndHoldsNoSecret() async throws {
        let upstream = try await Fixtures.tokenUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--log-format", "json"])
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        _ = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/missing", headers: [acceptAll])
        await stowage.stop()
        let lines = stowage.log().split(separator: "\n")
        #expect(lines.count > 10, "debug logging was on")
        var levels = Set<String>()
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object != nil, "not one JSON object of strings: \(line)")
            if let level = object?["level"] { levels.insert(level) }
            #expect(object?["time"]?.hasSuffix("Z") == true && object?["message"] != nil, "\(line)")
        }
        #expect(levels.isSuperset(of: ["debug", "info", "notice"]), "\(levels)")
        let log = stowage.log()
        #expect(log.contains(#""message":"upstream request""#))
        #expect(!log.contains(UpstreamRegistry.password))
        #expect(!log.contains(Data("\(UpstreamRegistry.user):\(UpstreamRegistry.password)".utf8).base64EncodedString()))
        #expect(!log.contains("eyJ"), "no JWT")
        #expect(!log.lowercased().contains("authorization"))
        #expect(!log.contains("Bearer "))
    }
}
