import OCI
import Server
import Store
import Testing

/// Manifests as the server answers them from the store: exact bytes and headers, on the event loop.
@Suite struct ManifestResponseTests {
    @Test func aCachedTagIsServedWithItsExactBytesMediaTypeAndDigest() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let manifest = imageManifest(layers: [])
        try await server.put(manifest, in: "app/api", tag: "1.0")

        let response = try await RawClient(port: server.port).request("/v2/app/api/manifests/1.0")
        #expect(response.status == 200)
        #expect(response.body == manifest.bytes)
        #expect(response.header("Content-Type") == ManifestMediaType.ociManifest)
        #expect(response.header("Docker-Content-Digest") == manifest.digest.description)
        #expect(response.header("ETag") == "\"\(manifest.digest)\"")
        #expect(response.header("Content-Length") == "\(manifest.bytes.count)")
        #expect(response.header("Docker-Distribution-API-Version") == "registry/2.0")
    }

    @Test func aHeadCarriesTheLengthAndDigestAndNoBody() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let manifest = imageManifest(layers: [])
        try await server.put(manifest, in: "app/api", tag: "1.0")
        let client = try RawClient(port: server.port)

        let head = try await client.request("/v2/app/api/manifests/\(manifest.digest)", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "\(manifest.bytes.count)")
        #expect(head.header("Docker-Content-Digest") == manifest.digest.description)
        // The next response on the connection starts right after the head: no body was sent.
        #expect(try await client.request("/v2/").text == "{}")
    }

    @Test func ifNoneMatchWithTheDigestIsNotModified() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let manifest = imageManifest(layers: [])
        try await server.put(manifest, in: "app/api", tag: "1.0")

        let response = try await RawClient(port: server.port).request("/v2/app/api/manifests/1.0", headers: ["If-None-Match: \"\(manifest.digest)\""])
        #expect(response.status == 304)
        #expect(response.body.isEmpty)
    }

    @Test func anAcceptHeaderThatRefusesTheMediaTypeIsManifestUnknown() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        try await server.put(imageManifest(layers: []), in: "app/api", tag: "1.0")

        let response = try await RawClient(port: server.port).request("/v2/app/api/manifests/1.0",
                                                                headers: ["Accept: application/vnd.docker.distribution.manifest.v2+json"])
        #expect(response.status == 404)
        #expect(response.text.contains("\"MANIFEST_UNKNOWN\""))
    }

    @Test(arguments: [".INVALID_MANIFEST_NAME", "-bad-tag", String(repeating: "a", count: 129)])
    func aTagThatCannotExistIsManifestUnknownNotABadRequest(_ tag: String) async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)

        let get = try await client.request("/v2/app/api/manifests/\(tag)")
        #expect(get.status == 404)
        #expect(get.header("Content-Type") == "application/json")
        #expect(get.text.contains("\"code\":\"MANIFEST_UNKNOWN\""))
        let head = try await client.request("/v2/app/api/manifests/\(tag)", method: "HEAD")
        #expect(head.status == 404)
    }

    @Test func aMalformedDigestIsStillDigestInvalid() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }

        let response = try await RawClient(port: server.port).request("/v2/app/api/manifests/sha256:abc")
        #expect(response.status == 400)
        #expect(response.text.contains("\"code\":\"DIGEST_INVALID\""))
    }

    @Test func anUncachedTagWithNoUpstreamIsNotFound() async throws {
        let server = try await InProcessServer.start()
        defer { Task { await server.stop() } }

        let response = try await RawClient(port: server.port).request("/v2/app/api/manifests/2.0")
        #expect(response.status == 404)
        #expect(response.text.contains("\"code\":\"MANIFEST_UNKNOWN\""))
    }
}
