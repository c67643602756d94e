import Foundation
import Testing

/// A cold blob whose upstream sends no `Content-Length` (chunked) is passed on as it lands, framed
/// for the client: chunked to HTTP/1.1 clients, delimited by the close to HTTP/1.0 ones.
@Suite(.serialized) struct StreamFramingTests {
    @Test func aBlobOfUnknownLengthReachesAnHTTP11ClientChunkedAndWhole() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let blob = try #require(faulty.image("chunked/app").blobs.max { $0.size < $1.size })
        let answer = try await HTTP.get("\(stowage.url)/v2/chunked/app/blobs/\(blob.digest)")
        #expect(answer.status == 200)
        #expect(answer.header("Transfer-Encoding") == "chunked")
        #expect(answer.header("Content-Length") == nil)
        #expect(answer.body.count == Int(blob.size))
        #expect(sha256(answer.body) == blob.digest)
        // Once committed its length is known: the same blob again is a plain hit.
        let again = try await HTTP.get("\(stowage.url)/v2/chunked/app/blobs/\(blob.digest)")
        #expect(again.header("Content-Length") == "\(blob.size)")
        #expect(sha256(again.body) == blob.digest)
    }

    @Test func aBlobOfUnknownLengthReachesAnHTTP10ClientWholeUntilTheClose() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let blob = try #require(faulty.image("chunked/app").blobs.max { $0.size < $1.size })
        let connection = try RawConnection(port: stowage.port)
        try connection.send("GET /v2/chunked/app/blobs/\(blob.digest) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        var received: [UInt8] = []
        while true {
            let part = try connection.receiveBytes()
            if part.isEmpty { break }
            received += part
        }
        let separator = try #require(received.firstRange(of: Array("\r\n\r\n".utf8)))
        let head = String(decoding: received[..<separator.lowerBound], as: UTF8.self)
        let body = Array(received[separator.upperBound...])
        #expect(head.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(head)")
        #expect(head.contains("\r\nConnection: close"), "\(head)")
        #expect(!head.lowercased().contains("content-length") && !head.lowercased().contains("transfer-encoding"), "\(head)")
        #expect(sha256(body) == blob.digest)
    }
}
