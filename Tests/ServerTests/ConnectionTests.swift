import Foundation
import Server
import Testing

/// Keep-alive, pipelining, refusals and the connection limits, on the wire.
@Suite struct ConnectionTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let digest = try await server.putBlob(Array("layer".utf8), in: "app/api")
        let client = try RawClient(port: server.port)

        try client.send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/app/api/blobs/\(digest) HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /v2/app/api/manifests/none HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
        var answers: [WireResponse] = []
        for _ in 0..<4 { answers.append(try await client.response()) }
        #expect(answers.map(\.status) == [200, 200, 404, 200])
        #expect(answers[1].text == "layer")
    }

    @Test func pushVerbsAreMethodNotAllowedNamingTheAllowedOnes() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }

        let response = try await RawClient(port: server.port).request("/v2/app/api/manifests/1.0", method: "DELETE")
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(response.text.contains("\"code\":\"UNSUPPORTED\""))
    }

    @Test func anUnknownPathIsNotFoundWithAnOCIErrorBody() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }

        let response = try await RawClient(port: server.port).request("/v1/search")
        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "application/json")
    }

    // Malformed and oversized heads, HTTP/0.9 and Host errors: BadRequestCorpusTests.

    @Test func aConnectIsMethodNotAllowedAndEndsTheConnection() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)
        try client.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nGET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")

        let response = try await client.response()
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(response.text.contains("\"code\":\"UNSUPPORTED\""))
        #expect(await client.isClosedByServer(), "nothing after a CONNECT is parsed: the connection ends instead of hanging")
    }

    @Test func anOptionsRequestIsMethodNotAllowedAndTheConnectionGoesOn() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)
        try client.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")

        #expect(try await client.response().status == 405)
        #expect(try await client.response().status == 200)
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await InProcessServer.start(limits: ConnectionLimits(idleTimeout: .milliseconds(300), maxConnections: 8))
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)
        #expect(try await client.request("/v2/").status == 200)

        let waited = ContinuousClock.now
        #expect(await client.isClosedByServer())
        let after = ContinuousClock.now - waited
        #expect(after >= .milliseconds(250) && after < .seconds(2), "closed after \(after)")
    }

    @Test func aRequestHeadThatIsNotCompleteInTimeIsClosed() async throws {
        let server = try await InProcessServer.start(limits: ConnectionLimits(requestHeadTimeout: .milliseconds(300), maxConnections: 8))
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)
        try client.send("GET /v2/ HT")

        let waited = ContinuousClock.now
        #expect(await client.isClosedByServer())
        #expect(ContinuousClock.now - waited < .seconds(2))
    }

    @Test func connectionsBeyondTheMaximumAreClosedOnArrival() async throws {
        let server = try await InProcessServer.start(limits: ConnectionLimits(maxConnections: 2))
        defer { Task { await server.stop() } }
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        #expect(try await first.request("/v2/").status == 200)

        let third = try RawClient(port: server.port)
        #expect(await third.isClosedByServer())
        #expect(try await second.request("/v2/").status == 200)
    }

    @Test func stoppingClosesAnIdleKeepAliveConnectionAndReturnsPromptly() async throws {
        let server = try await InProcessServer.start()
        let client = try RawClient(port: server.port)
        #expect(try await client.request("/v2/").status == 200)

        let stopping = ContinuousClock.now
        await server.stop()
        #expect(ContinuousClock.now - stopping < .seconds(1))
        #expect(await client.isClosedByServer())
    }
}
