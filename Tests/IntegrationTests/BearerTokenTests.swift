import Foundation
import Testing

/// The license-proxy model: the upstream answers 401 with a Bearer challenge and only accepts
/// tokens its token server issued for the customer's credentials.
@Suite struct BearerTokenTests {
    @Test func skopeoPullsThroughStowageFromATokenAuthenticatedUpstream() async throws {
        let upstream = try await Fixtures.tokenUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/multi")
        let dir = try Skopeo.pull(stowage.host, "app/multi:1.0", all: true)
        #expect(try Skopeo.verify(dir, expecting: image.blobs.map(\.digest) + image.children!.map(\.digest)) == [])
    }

    @Test func tokensAreCachedAcrossRequestsForTheSameRepository() async throws {
        // A token server of its own: the shared one counts other tests' tokens when tests run in parallel.
        let upstream = try await UpstreamRegistry.start(auth: .token)
        defer { Task { await upstream.stop() } }
        let tokenPort = try #require(upstream.info.tokenPort)
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/docker-v2")
        let before = try await tokensIssued(port: tokenPort)
        for blob in image.blobs {
            #expect(try await HTTP.get("\(stowage.url)/v2/app/docker-v2/blobs/\(blob.digest)").status == 200)
        }
        #expect(try await tokensIssued(port: tokenPort) - before == 1)
    }

    @Test func wrongCredentialsAtTheTokenServerAreUnauthorized() async throws {
        let upstream = try await Fixtures.tokenUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url, credentials: false,
                                                    extra: ["--upstream-username", "customer@example.com", "--upstream-password-env", "HOME"])
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(result.status == 401)
        #expect(result.errorCode == "UNAUTHORIZED")
    }

    private func tokensIssued(port: Int) async throws -> Int {
        struct Stats: Decodable { let tokens_issued: Int }
        let result = try await HTTP.get("http://127.0.0.1:\(port)/stats")
        return try JSONDecoder().decode(Stats.self, from: Data(result.body)).tokens_issued
    }
}
