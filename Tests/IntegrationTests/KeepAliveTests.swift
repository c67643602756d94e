import Foundation
import Testing

/// Connection handling on a raw socket: HTTP/1.0 keep-alive and HTTP/1.1 pipelining.
@Suite struct KeepAliveTests {
    /// Sends `request` on one connection and reads until `count` responses to `/v2/` (body `{}`) arrived.
    static func exchange(port: Int, _ requests: [String], responses count: Int) throws -> String {
        let connection = try RawConnection(port: port)
        for request in requests { try connection.send(request) }
        var received = ""
        let deadline = ContinuousClock.now + .seconds(5)
        while received.components(separatedBy: "\r\n\r\n{}").count - 1 < count, ContinuousClock.now < deadline {
            let chunk = try connection.receive()
            guard !chunk.isEmpty else { throw HarnessError("connection ended after:\n\(received)") }
            received += chunk
        }
        return received
    }

    @Test func anHTTP10ClientAskingForKeepAliveIsToldItMayKeepTheConnection() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let request = "GET /v2/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
        let answer = try Self.exchange(port: stowage.port, [request, request], responses: 2)
        #expect(answer.components(separatedBy: "HTTP/1.0 200 OK").count - 1 == 2, "two answers on one connection:\n\(answer)")
        #expect(answer.lowercased().components(separatedBy: "connection: keep-alive").count - 1 == 2)
    }

    @Test func pipelinedRequestsAreAnsweredInOrderOnOneConnection() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let first = "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n"
        let second = "GET /v2/nope/blobs/sha256:short HTTP/1.1\r\nHost: x\r\n\r\n"
        let answer = try Self.exchange(port: stowage.port, [first + second + first], responses: 2)  // two `{}` bodies
        // Each status line follows the previous body directly.
        let statuses = answer.components(separatedBy: "HTTP/1.1 ").dropFirst().map { "HTTP/1.1 " + $0.prefix { !$0.isNewline } }
        #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request", "HTTP/1.1 200 OK"])
    }
}
