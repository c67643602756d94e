import Foundation
import Testing

/// Memory the allocator keeps after a burst of connections is given back to the system (issue 20,
/// item 8: RSS stayed at its peak after 2,000 connections closed). Stowage trims the allocator
/// every 30 s (`MemoryReturn`).
@Suite struct MemoryReturnTests {
    struct Burst: Decodable {
        let beforeKiB: Int
        let peakKiB: Int
    }

    @Test func memoryHeldForTwoThousandClosedConnectionsIsReturnedWithinAMinute() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url, extra: ["--log-level", "info"])
        defer { Task { await stowage.stop() } }
        let output = try run("/usr/bin/env", ["python3", "-c", Self.burst, "\(stowage.port)", "\(stowage.pid)"])
        let burst = try JSONDecoder().decode(Burst.self, from: Data(output.utf8))
        let grown = burst.peakKiB - burst.beforeKiB
        #expect(grown > 4 << 10, "2,000 open connections took memory: \(burst)")

        let deadline = ContinuousClock.now + .seconds(65)
        var now = Self.rssKiB(stowage.pid)
        while now > burst.beforeKiB + grown / 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            now = Self.rssKiB(stowage.pid)
        }
        #expect(now <= burst.beforeKiB + grown / 2, "RSS \(burst.beforeKiB) KiB before, \(burst.peakKiB) KiB with 2,000 connections, \(now) KiB after")
    }

    static func rssKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Opens 2,000 connections to port argv[1], has each answered (GET /v2/), closes them all, and
    /// prints the server's (pid argv[2]) RSS before and with them open.
    static let burst = """
        import json, socket, sys
        port, pid = int(sys.argv[1]), int(sys.argv[2])
        def rss():
            return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
        before = rss()
        sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(2000)]
        for s in sockets:
            s.sendall(b"GET /v2/ HTTP/1.1\\r\\nHost: burst\\r\\n\\r\\n")
        for s in sockets:
            s.recv(4096)
        peak = rss()
        for s in sockets:
            s.close()
        print(json.dumps({"beforeKiB": before, "peakKiB": peak}))
        """
}
