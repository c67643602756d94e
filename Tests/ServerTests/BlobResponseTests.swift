import OCI
import Server
import Testing

/// Committed blobs, whole and in ranges, sent with sendfile.
@Suite struct BlobResponseTests {
    static let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test func aCachedBlobIsSentWholeWithItsHeaders() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let digest = try await server.putBlob(Self.bytes, in: "app/api")

        let response = try await RawClient(port: server.port).request("/v2/app/api/blobs/\(digest)")
        #expect(response.status == 200)
        #expect(response.body == Self.bytes)
        #expect(response.header("Content-Length") == "10000")
        #expect(response.header("Docker-Content-Digest") == digest.description)
        #expect(response.header("Accept-Ranges") == "bytes")
        #expect(response.header("Content-Type") == "application/octet-stream")
    }

    @Test func aHeadGivesTheSizeWithoutTheBody() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let digest = try await server.putBlob(Self.bytes, in: "app/api")

        let head = try await RawClient(port: server.port).request("/v2/app/api/blobs/\(digest)", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "10000")
    }

    @Test(arguments: [
        ("bytes=0-99", 206, "bytes 0-99/10000", 0..<100),
        ("bytes=9990-", 206, "bytes 9990-9999/10000", 9990..<10000),
        ("bytes=-10", 206, "bytes 9990-9999/10000", 9990..<10000),
        ("bytes=9000-20000", 206, "bytes 9000-9999/10000", 9000..<10000),
    ])
    func aRangeIsPartialContent(_ range: String, _ status: Int, _ contentRange: String, _ part: Range<Int>) async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let digest = try await server.putBlob(Self.bytes, in: "app/api")

        let response = try await RawClient(port: server.port).request("/v2/app/api/blobs/\(digest)", headers: ["Range: \(range)"])
        #expect(response.status == status)
        #expect(response.header("Content-Range") == contentRange)
        #expect(response.body == Array(Self.bytes[part]))
    }

    @Test func aRangeOutsideTheBlobIsRangeNotSatisfiable() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let digest = try await server.putBlob(Self.bytes, in: "app/api")

        let response = try await RawClient(port: server.port).request("/v2/app/api/blobs/\(digest)", headers: ["Range: bytes=10000-"])
        #expect(response.status == 416)
        #expect(response.header("Content-Range") == "bytes */10000")
    }

    @Test func aBlobIsNotServedUnderARepositoryItIsNotLinkedTo() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let digest = try await server.putBlob(Self.bytes, in: "app/api")

        let response = try await RawClient(port: server.port).request("/v2/other/repo/blobs/\(digest)")
        #expect(response.status == 404)
        #expect(response.text.contains("\"code\":\"BLOB_UNKNOWN\""))
    }
}
