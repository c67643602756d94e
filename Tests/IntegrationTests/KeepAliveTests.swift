import Foundation
import Testing

/// Connection handling on a raw socket: HTTP/1.0 keep-alive and HTTP/1.1 pipelining.
@Suite struct KeepAliveTests {
    /// Sends `request` on one connection and reads until `count` responses to `/v2/` (body `{}`) arrived.
    static func exchange(port: Int, _ requests: [String], responses count: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HarnessError("connect failed") }
        var received = ""
        for request in requests {
            _ = request.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = ContinuousClock.now + .seconds(5)
        while received.components(separatedBy: "\r\n\r\n{}").count - 1 < count, ContinuousClock.now < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { throw HarnessError("connection ended (\(n), errno \(errno)) after:\n\(received)") }
            received += String(decoding: buffer[..<n], as: UTF8.self)
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
