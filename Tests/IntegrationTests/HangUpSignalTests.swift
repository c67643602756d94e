import Foundation
import Testing

/// SIGHUP reloads what can be reloaded (the upstream credentials) and never stops `serve`, whether
/// an operator sent it or the terminal it was started from closed.
@Suite struct HangUpSignalTests {
    @Test func eachSighupIsLoggedAndTheServerKeepsServing() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }

        for count in 1...2 {
            kill(stowage.pid, SIGHUP)
            try await waitUntil { lines("SIGHUP: upstream credentials unchanged", in: stowage.log()) == count }
        }
        let answer = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0",
                                        headers: [("Accept", "application/vnd.oci.image.manifest.v1+json")])

        #expect(answer.status == 200)
        #expect(lines("SIGHUP: upstream credentials unchanged", in: stowage.log()) == 2, "one line per signal: \(stowage.log())")
        #expect(await stowage.terminate(within: .seconds(10)) == 0, "and it still stops cleanly on SIGTERM")
    }

    @Test func aLicenseFileFixedAndReloadedWithSighupIsUsedWithoutARestart() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let license = Paths.temporaryDirectory("license") + "/license-id"
        try "not-the-license\n".write(toFile: license, atomically: true, encoding: .utf8)
        let stowage = try await StowageServer.start(upstream: upstream.url, credentials: false,
                                                    extra: ["--upstream-username", UpstreamRegistry.user, "--upstream-password-file", license])
        defer { Task { await stowage.stop() } }
        let manifest = "\(stowage.url)/v2/app/oci/manifests/1.0"
        let accept = [("Accept", "application/vnd.oci.image.manifest.v1+json")]
        #expect(try await HTTP.get(manifest, headers: accept).status == 401)

        try "\(UpstreamRegistry.password)\n".write(toFile: license, atomically: true, encoding: .utf8)
        kill(stowage.pid, SIGHUP)
        try await waitUntil { lines("SIGHUP: upstream credentials reloaded", in: stowage.log()) == 1 }

        #expect(try await HTTP.get(manifest, headers: accept).status == 200)
        #expect(!stowage.log().contains(UpstreamRegistry.password), "the license never appears in the log")
    }

    private func lines(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// Polls `condition` for up to 10 s (signals are handled asynchronously).
    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(50)) }
    }
}
