import Foundation
import Testing

/// Clients that never finish a request, or never send one, cost a descriptor until a timeout and
/// nothing else: a normal client is served meanwhile, and the descriptors come back.
@Suite struct ConnectionLimitTests {
    struct Flood: Decodable {
        let baselineDescriptors: Int
        let peakDescriptors: Int
        let afterDescriptors: Int
        let idleClosed: Int
        let slowClosed: Int
        let firstCloseSeconds: Double?
        let lastCloseSeconds: Double?
        let requests: Int
        let okRequests: Int
        let maxMilliseconds: Double?
    }

    @Test func slowlorisAndIdleConnectionsDoNotStopANormalClientAndAreClosedByTheirTimeouts() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: [
            "--idle-timeout", "5s", "--request-head-timeout", "6s", "--log-level", "info",
        ])
        defer { Task { await stowage.stop() } }
        let script = try ChildProcess("/usr/bin/env", [
            "python3", Paths.harness + "/connectionflood.py", "--port", "\(stowage.port)", "--pid", "\(stowage.pid)",
            "--path", "/v2/app/oci/manifests/1.0", "--idle", "2000", "--slow", "500",
            "--trickle-seconds", "1", "--observe-seconds", "2.5", "--close-within", "10",
        ], logPath: stowage.storage + ".flood.log")
        let line = await script.readLine(timeout: .seconds(60))
        let flood = try JSONDecoder().decode(Flood.self, from: Data((line ?? "").utf8))

        #expect(flood.peakDescriptors >= flood.baselineDescriptors + 2500, "all 2,500 connections were accepted: \(flood)")
        #expect(flood.requests >= 10 && flood.okRequests == flood.requests, "\(flood)")
        #expect((flood.maxMilliseconds ?? .infinity) < 100, "a normal client got its manifest in under 100 ms each time: \(flood)")
        #expect(flood.idleClosed == 2000 && flood.slowClosed == 500, "the server closed every flood connection: \(flood)")
        #expect((flood.firstCloseSeconds ?? 0) > 3, "nothing was closed before the idle timeout: \(flood)")
        #expect((flood.lastCloseSeconds ?? .infinity) < 8.5, "the head timeout (6 s from the first byte) closed the slow ones: \(flood)")
        #expect(flood.afterDescriptors == flood.baselineDescriptors, "descriptors back to the baseline: \(flood)")
    }

    @Test func connectionsBeyondTheMaximumAreClosedOnArrivalAndTheOthersAreStillServed() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--max-connections", "4"])
        defer { Task { await stowage.stop() } }
        let held = try (0..<4).map { _ in try RawConnection(port: stowage.port) }
        try held[0].send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try held[0].receive().hasPrefix("HTTP/1.1 200 OK"))
        let refused = try RawConnection(port: stowage.port)
        #expect(try refused.receive() == "", "the fifth connection is closed without an answer")
        try held[3].send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try held[3].receive().hasPrefix("HTTP/1.1 200 OK"))
        #expect(stowage.log().contains("connection limit reached"))
    }

    @Test func anOversizedRequestHeadIsABadRequestAndTheConnectionIsClosed() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let connection = try RawConnection(port: stowage.port)
        try connection.send("GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 40 << 10))\r\n\r\n")
        let answer = try connection.receiveAll()
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request"), "\(answer.prefix(200))")
    }
}
