import Foundation
import Testing

/// With the upstream gone (stopped) or hung (SIGSTOP), Stowage answers within its timeout: the
/// first request finds out, the circuit breaker then answers the next ones at once, and freshness
/// resumes once the upstream is back and the back-off has passed.
@Suite(.serialized) struct OfflineBoundsTests {
    static let timeout = Duration.seconds(2)
    static let backoff = Duration.seconds(3)
    /// Room for scheduling on a busy 2-core machine on top of the configured timeout.
    static let slack = Duration.milliseconds(700)

    struct Timed {
        let result: HTTPResult
        let elapsed: Duration
    }

    static func timed(_ url: String) async throws -> Timed {
        let started = ContinuousClock.now
        let result = try await HTTP.get(url, headers: [acceptAll])
        return Timed(result: result, elapsed: ContinuousClock.now - started)
    }

    /// A registry of its own (it is frozen or stopped), a warm Stowage with a 0s tag TTL so every
    /// tag request would ask the upstream, and the warm image.
    static func warmCache() async throws -> (UpstreamRegistry, StowageServer, SeededImage) {
        let upstream = try await UpstreamRegistry.start(auth: .none)
        let stowage = try await StowageServer.start(upstream: upstream.url, credentials: false, extra: [
            "--upstream-name", "vendor-proxy", "--tag-ttl", "0s", "--connect-timeout", "2s", "--response-timeout", "2s",
            "--breaker-backoff", "3s",
        ])
        let image = upstream.images.named("app/oci")
        try Skopeo.pull(stowage.host, "app/oci:1.0")
        return (upstream, stowage, image)
    }

    /// The offline answers, the same whether the upstream is stopped or frozen.
    static func expectBoundedOfflineAnswers(_ stowage: StowageServer, _ image: SeededImage) async throws {
        let tagURL = "\(stowage.url)/v2/app/oci/manifests/1.0"
        let first = try await timed(tagURL)
        #expect(first.result.status == 200)
        #expect(first.result.header("Docker-Content-Digest") == image.digest)
        #expect(first.result.header("Warning")?.hasPrefix("299 - \"upstream vendor-proxy unavailable") == true)
        #expect(first.elapsed < timeout + slack, "first cached-tag answer took \(first.elapsed)")

        for _ in 0..<3 {
            let next = try await timed(tagURL)
            #expect(next.result.status == 200)
            #expect(next.result.header("Warning") != nil)
            #expect(next.elapsed < .seconds(1), "with the breaker open a cached tag took \(next.elapsed)")
        }

        let byDigest = try await timed("\(stowage.url)/v2/app/oci/manifests/\(image.digest)")
        #expect(byDigest.result.status == 200)
        #expect(byDigest.result.header("Warning") == nil)
        #expect(byDigest.elapsed < .seconds(1))
        let layer = image.blobs.max { $0.size < $1.size }!
        let blob = try await timed("\(stowage.url)/v2/app/oci/blobs/\(layer.digest)")
        #expect(blob.result.status == 200)
        #expect(blob.elapsed < .seconds(1))

        let uncached = try await timed("\(stowage.url)/v2/app/multi/manifests/1.0")
        #expect(uncached.result.status == 503)
        #expect(uncached.result.errorCode == "UNAVAILABLE")
        #expect(uncached.result.text.contains("upstream vendor-proxy is down"))
        #expect(uncached.result.header("Retry-After") != nil)
        #expect(uncached.elapsed < .seconds(1))
    }

    /// After the back-off one request probes the upstream; a tag is then revalidated and fresh.
    static func expectFreshnessResumes(_ stowage: StowageServer, _ upstream: UpstreamRegistry) async throws {
        try await Task.sleep(for: backoff)
        let deadline = ContinuousClock.now + .seconds(10)
        var answer = try await timed("\(stowage.url)/v2/app/oci/manifests/1.0")
        while answer.result.header("Warning") != nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            answer = try await timed("\(stowage.url)/v2/app/oci/manifests/1.0")
        }
        #expect(answer.result.status == 200)
        #expect(answer.result.header("Warning") == nil, "the tag is revalidated again once the upstream is back")
        #expect(answer.elapsed < timeout + slack)
        let heads = try upstream.accessLog().filter { $0.method == "HEAD" && $0.path == "/v2/app/oci/manifests/1.0" }
        #expect(!heads.isEmpty, "the revalidation reached the upstream")
    }

    @Test func aHungUpstreamCostsOneTimeoutThenTheBreakerAnswersAtOnceAndFreshnessResumes() async throws {
        let (upstream, stowage, image) = try await Self.warmCache()
        defer { Task { await stowage.stop(); await upstream.stop() } }
        kill(upstream.info.pid, SIGSTOP)
        do {
            try await Self.expectBoundedOfflineAnswers(stowage, image)
        } catch {
            kill(upstream.info.pid, SIGCONT)
            throw error
        }
        kill(upstream.info.pid, SIGCONT)
        try await Self.expectFreshnessResumes(stowage, upstream)
    }

    @Test func aStoppedUpstreamIsAnsweredAtOnceAndFreshnessResumesWhenItIsBack() async throws {
        let (upstream, stowage, image) = try await Self.warmCache()
        defer { Task { await stowage.stop() } }
        await upstream.stop()
        try await Self.expectBoundedOfflineAnswers(stowage, image)
        let restarted = try await UpstreamRegistry.start(auth: .none, directory: upstream.directory, port: upstream.info.port)
        defer { Task { await restarted.stop() } }
        try await Self.expectFreshnessResumes(stowage, restarted)
    }
}
