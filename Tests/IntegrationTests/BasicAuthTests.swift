import Foundation
import Testing

/// A Basic-auth upstream (distribution with htpasswd): Stowage learns the scheme from one 401 and
/// from then on sends the credentials up front, for every repository.
///
/// One 401, not zero: Stowage sends a password only after the upstream asked for it (it cannot know
/// the scheme beforehand, and a token-auth registry must not see the password; see
/// `SchemeDiscovery`). Requests that start before that first answer wait for it instead of each
/// paying a 401 of their own.
@Suite struct BasicAuthTests {
    @Test func twoRepositoriesPulledAtOnceCostOne401InTotal() async throws {
        // An upstream of its own: its access log then holds this test's requests only.
        let upstream = try await UpstreamRegistry.start(auth: .htpasswd)
        defer { Task { await upstream.stop() } }
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let before = try upstream.accessLog().count
        let images = ["app/oci", "app/docker-v2"].map { upstream.images.named($0) }

        // Both images whole, every request at once (manifests and cold blobs of both repositories),
        // so the first requests race the upstream's first answer. Plain HTTP, as a client pulls: a
        // skopeo run would block a thread of this process's small cooperative pool while it lasts.
        let manifests = images.map { image in
            Task { try await HTTP.get("\(stowage.url)/v2/\(image.repository)/manifests/\(image.tag)", headers: [acceptAll]) }
        }
        let blobs = images.flatMap { image in
            image.blobs.map { blob in Task { (blob.digest, try await HTTP.get("\(stowage.url)/v2/\(image.repository)/blobs/\(blob.digest)")) } }
        }
        for (image, manifest) in zip(images, manifests) {
            #expect(try await manifest.value.header("Docker-Content-Digest") == image.digest)
        }
        for blob in blobs {
            let (digest, result) = try await blob.value
            #expect(result.status == 200)
            #expect(sha256(result.body) == digest)
        }

        let answered = try upstream.accessLog().dropFirst(before)
        #expect(answered.filter { $0.status == 401 }.count == 1, "one 401 teaches Stowage the scheme for every repository")
        #expect(answered.filter { $0.status != 200 && $0.status != 401 }.map { "\($0.status) \($0.method) \($0.path)" } == [])
        for image in images {
            #expect(answered.contains { $0.status == 200 && $0.path.hasPrefix("/v2/\(image.repository)/blobs/") })
        }
    }
}
