import Foundation
import Testing

/// An upstream without a name is named by its URL's host, and the store keys its content by that
/// name: a new URL for the same registry must not orphan the cache silently.
@Suite(.serialized) struct UpstreamIdentityTests {
    @Test func aNewURLForAnUnnamedUpstreamIsRefusedSayingWhatToWriteAndTheAdviceKeepsTheCacheServed() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let image = upstream.images.named("app/oci")
        let first = try await StowageServer.start(upstream: upstream.url)
        #expect(try await HTTP.get("\(first.url)/v2/app/oci/manifests/\(image.tag)", headers: [acceptAll]).status == 200)
        await first.stop()

        // The same registry by another host name (localhost for 127.0.0.1): the default name changes.
        let port = try #require(upstream.url.split(separator: ":").last.map(String.init))
        let renamedURL = "http://localhost:\(port)"
        let (credentials, environment) = StowageCLI.upstream(renamedURL)
        let refused = try StowageCLI.run(["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "off"] + credentials,
                                         storage: first.storage, environment: environment)
        #expect(refused.status == 1)
        #expect(refused.output.contains("holds the content of upstream 127.0.0.1:\(port)"), "\(refused.output)")
        #expect(refused.output.contains("upstream.name: 127.0.0.1:\(port) (or --upstream-name 127.0.0.1:\(port))"))

        // As advised: the cache is served under the new URL, the tag and the digest alike.
        let advised = try await StowageServer.start(upstream: renamedURL, storage: first.storage, extra: ["--upstream-name", "127.0.0.1:\(port)"])
        defer { Task { await advised.stop() } }
        let byTag = try await HTTP.get("\(advised.url)/v2/app/oci/manifests/\(image.tag)", headers: [acceptAll])
        #expect(byTag.header("Docker-Content-Digest") == image.digest)
        #expect(advised.log().contains("cached manifest") == false, "answered from the cache, not fetched again")
    }
}
