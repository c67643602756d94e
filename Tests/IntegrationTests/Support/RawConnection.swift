import Foundation

/// A client socket to Stowage on loopback, for what an HTTP client library hides: half-sent
/// requests, connections the server closes, disconnecting mid-body.
final class RawConnection {
    let fd: Int32

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
            throw HarnessError("connect to 127.0.0.1:\(port) failed (errno \(errno))")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HarnessError("send failed (errno \(errno))") }
            offset += n
        }
    }

    /// What one `recv` returns: "" when the server closed the connection.
    func receive(max: Int = 65536) throws -> String {
        String(decoding: try receiveBytes(max: max), as: UTF8.self)
    }

    func receiveBytes(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == ECONNRESET { return [] }
            guard n >= 0 else { throw HarnessError("recv failed (errno \(errno))") }
            return Array(buffer[..<n])
        }
    }

    /// Everything until the server closes the connection.
    func receiveAll() throws -> String {
        var text = ""
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return text }
            text += chunk
        }
    }
}
