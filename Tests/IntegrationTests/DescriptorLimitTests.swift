import Foundation
import Testing

/// A descriptor limit of 256 and 1,000 connections that never send a byte: Stowage admits what its
/// budget allows (64 connections at 256) and closes the rest on arrival, at once; it never dies, and
/// once the idle ones time out a normal client is served and the descriptors are back to baseline.
@Suite(.serialized) struct DescriptorLimitTests {
    static func descriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func aThousandIdleConnectionsUnderALimitOf256AreRefusedFastAndTheProcessLives() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let image = upstream.images.named("app/oci")
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--idle-timeout", "2s"], descriptorLimit: 256)
        defer { Task { await stowage.stop() } }
        #expect(try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.tag)", headers: [acceptAll]).status == 200)
        try await Task.sleep(for: .milliseconds(300))
        let baseline = Self.descriptors(of: stowage.pid)

        // 1,000 connections that say nothing, opened and held.
        var idle: [RawConnection] = []
        for _ in 0..<1_000 { idle.append(try RawConnection(port: stowage.port, receiveTimeout: 1)) }

        // A normal client now: refused at once (closed on arrival), not left hanging.
        let asked = ContinuousClock.now
        let refused = try RawConnection(port: stowage.port, receiveTimeout: 2)
        try? refused.send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = try refused.receive()
        let took = ContinuousClock.now - asked
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 200"), "closed on arrival, or served: \(answer.prefix(100))")
        #expect(took < .seconds(1), "the refusal took \(took)")
        print("descriptor limit 256, 1,000 idle connections: a new client was \(answer.isEmpty ? "refused" : "served") in \(took)")

        // The held ones are closed by the idle timeout; then a normal client gets its manifest.
        try await Task.sleep(for: .seconds(3))
        let manifest = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(image.digest)", headers: [acceptAll])
        #expect(manifest.status == 200)
        #expect(manifest.header("Docker-Content-Digest") == image.digest)
        idle.removeAll()
        try await Task.sleep(for: .milliseconds(500))
        #expect(kill(stowage.pid, 0) == 0, "the process lives")
        let after = Self.descriptors(of: stowage.pid)
        #expect(after <= baseline + 4, "descriptors back to baseline: \(baseline) before, \(after) after")
        #expect(stowage.log().contains("connection limit reached"))
    }
}
