import Foundation
import Server
import Testing

/// `/livez`, `/readyz` and `/startupz`: what probes and load balancers read, on the main listener.
@Suite struct HealthTests {
    @Test(arguments: ["/livez", "/readyz", "/startupz"])
    func aServingNodePassesEveryProbeWithAPlainOk(_ path: String) async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }

        let response = try await RawClient(port: server.port).request(path)

        #expect(response.status == 200)
        #expect(response.text == "ok\n")
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(response.header("Cache-Control") == "no-store")
    }

    @Test func aDrainingNodeIsNotReadyButStillLive() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        server.health.startDraining()

        let ready = try await RawClient(port: server.port).request("/readyz")
        #expect(ready.status == 503)
        #expect(ready.text == "readyz failed: draining: shutting down: finishing the requests in progress\n")
        #expect(try await RawClient(port: server.port).request("/livez").status == 200)
        #expect(try await RawClient(port: server.port).request("/v2/").status == 200, "still serving while draining")
    }

    @Test func lessFreeSpaceThanTheReserveIsNotReady() async throws {
        let server = try await InProcessServer.start(minimumFreeBytes: Int64.max)
        defer { Task { await server.stop() } }

        let ready = try await RawClient(port: server.port).request("/readyz")

        #expect(ready.status == 503)
        #expect(ready.text.hasPrefix("readyz failed: free space: "), "\(ready.text)")
        #expect(ready.text.hasSuffix(" bytes free, below the reserve of \(Int64.max)\n"), "\(ready.text)")
    }

    @Test func verboseIsJSONNamingEveryCheck() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        server.health.startDraining()

        let response = try await RawClient(port: server.port).request("/readyz?verbose")

        #expect(response.status == 503)
        #expect(response.header("Content-Type") == "application/json")
        struct Report: Decodable {
            struct Check: Decodable { let name: String; let passed: Bool }
            let probe: String
            let status: String
            let checks: [Check]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(response.text.utf8))
        #expect(report.probe == "readyz" && report.status == "failed")
        #expect(report.checks.map(\.name) == ["draining", "storage", "free space"])
        #expect(report.checks.map(\.passed) == [false, true, true])
    }

    @Test func aHeadProbeHasTheStatusAndNoBody() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        server.health.startDraining()

        let response = try await RawClient(port: server.port).request("/readyz", method: "HEAD")

        #expect(response.status == 503)
        #expect(response.text.isEmpty)
    }

    @Test func anythingElseUnderTheRootIsStillNotFound() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        #expect(try await RawClient(port: server.port).request("/readyzz").status == 404)
        #expect(try await RawClient(port: server.port).request("/healthz").status == 404)
    }
}
