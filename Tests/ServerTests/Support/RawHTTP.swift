import Foundation
import NIOPosix

/// One HTTP response as it arrived on the wire.
struct WireResponse: CustomStringConvertible {
    let statusLine: String
    let headers: [(String, String)]
    let body: [UInt8]

    var status: Int { Int(statusLine.split(separator: " ")[1]) ?? 0 }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }
    var description: String { "\(statusLine) \(headers) \(text.prefix(300))" }
}

/// A client socket on loopback that sends raw requests and reads exact responses, for asserting
/// bytes and connection behaviour an HTTP library hides. Its blocking calls run on NIO's thread
/// pool, never on the cooperative pool the in-process server's tasks need.
///
/// `@unchecked Sendable`: a socket descriptor owned by one test, used by one call at a time.
final class RawClient: @unchecked Sendable {
    let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, receiveTimeout: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw ServerTestError("connect failed (errno \(errno))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw ServerTestError("send failed (errno \(errno))") }
    }

    /// Sends `GET path` (or another method) with `headers`, and reads the response.
    func request(_ path: String, method: String = "GET", headers: [String] = []) async throws -> WireResponse {
        try send("\(method) \(path) HTTP/1.1\r\nHost: test\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
        return try await response(toHead: method == "HEAD")
    }

    /// The next response on the connection (a HEAD's has no body whatever its Content-Length says).
    func response(toHead: Bool = false) async throws -> WireResponse {
        try await NIOThreadPool.singleton.runIfActive { try self.readResponse(toHead: toHead) }
    }

    private func readResponse(toHead: Bool) throws -> WireResponse {
        while pending.firstRange(of: Array("\r\n\r\n".utf8)) == nil { try fill() }
        let end = pending.firstRange(of: Array("\r\n\r\n".utf8))!
        let lines = String(decoding: pending[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        pending.removeSubrange(..<end.upperBound)
        let headers = lines.dropFirst().map { line -> (String, String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = toHead ? 0 : Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0")!
        while pending.count < length { try fill() }
        let body = Array(pending[..<length])
        pending.removeSubrange(..<length)
        return WireResponse(statusLine: lines[0], headers: headers, body: body)
    }

    /// Whether the server closed the connection within the receive timeout.
    func isClosedByServer() async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { self.waitForClose() }) ?? false
    }

    private func waitForClose() -> Bool {
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n < 0 && errno == EINTR { continue }
            return n == 0 || (n < 0 && errno == ECONNRESET)
        }
    }

    private func fill() throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        guard n > 0 else { throw ServerTestError("connection ended (\(n), errno \(errno)) with \(pending.count) bytes pending") }
        pending += buffer[..<n]
    }
}
