import Foundation
import Testing

/// SIGHUP asks `serve` to reload what it can; it never stops it (an operator's `kill -HUP`, or the
/// terminal it was started from closing).
@Suite struct HangUpSignalTests {
    @Test func sighupIsLoggedAndTheServerKeepsServing() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }

        for count in 1...2 {
            kill(stowage.pid, SIGHUP)
            try await waitUntil { lines(stowage.log()) == count }
        }
        let answer = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0",
                                        headers: [("Accept", "application/vnd.oci.image.manifest.v1+json")])

        #expect(answer.status == 200)
        #expect(lines(stowage.log()) == 2, "one line per signal: \(stowage.log())")
        #expect(await stowage.terminate(within: .seconds(10)) == 0, "and it still stops cleanly on SIGTERM")
    }

    private func lines(_ log: String) -> Int {
        log.components(separatedBy: "SIGHUP: nothing to reload").count - 1
    }

    /// Polls `condition` for up to 10 s (signals are handled asynchronously).
    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(50)) }
    }
}
