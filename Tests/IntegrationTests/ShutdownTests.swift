import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// SIGTERM ends the server cleanly and within its bound (`connections.drainDelay`, here 0 s, plus
/// `drainTimeout`, here 5 s, plus about a second), whatever it was doing.
@Suite struct ShutdownTests {
    @Test func sigtermStopsServeCleanly() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        #expect(try await HTTP.get("\(stowage.url)/v2/").status == 200)
        #expect(await stowage.terminate(within: .seconds(3)) == 0)
        #expect(stowage.log().contains("shutting down"))
    }

    @Test func sigtermDuringColdPullsAndKeepAliveLoadExitsCleanlyWithinTheBoundTenTimesInARow() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let image = upstream.images.named("app/oci")
        for round in 1...10 {
            let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--log-level", "info", "--drain-timeout", "5s"])
            let stop = StopFlag()
            // Keep-alive load: 16 clients asking for /v2/ and a cached manifest over pooled connections.
            _ = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
            let load = (0..<16).map { client in
                Task {
                    var answered = 0
                    while !stop.isSet {
                        let path = client % 2 == 0 ? "/v2/" : "/v2/app/oci/manifests/\(image.digest)"
                        guard (try? await HTTP.request(.GET, stowage.url + path, headers: [acceptAll], timeout: .seconds(5))) != nil else { break }
                        answered += 1
                    }
                    return answered
                }
            }
            // Cold pulls: every blob of every seeded image, from an empty store.
            let blobs = upstream.images.flatMap { seeded in
                ((seeded.children ?? []).flatMap(\.blobs) + seeded.blobs).map { (seeded.repository, $0.digest) }
            }
            let pulls = blobs.map { repository, digest in
                Task { try? await HTTP.request(.GET, "\(stowage.url)/v2/\(repository)/blobs/\(digest)", timeout: .seconds(5)) }
            }
            try await Task.sleep(for: .milliseconds(300))
            let signalled = ContinuousClock.now
            let status = await stowage.terminate(within: .seconds(10))
            let took = ContinuousClock.now - signalled
            stop.set()
            // The server is gone: what the clients still wait for is their HTTP client's own business.
            for task in pulls { task.cancel() }
            for task in load { task.cancel() }
            for task in pulls { _ = await task.value }
            var answered = 0
            for task in load { answered += await task.value }

            #expect(answered > 0, "round \(round): the load was served")
            #expect(status == 0, "round \(round): exit status \(status.map(String.init) ?? "none: still running after 10 s")\n\(stowage.log().suffix(2000))")
            #expect(took < .seconds(7), "round \(round): stopped in \(took)")
            #expect(stowage.log().contains("stopped"), "round \(round)")
            if status == nil { await stowage.stop() }
        }
    }
}

/// Tells load loops on other tasks to stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
