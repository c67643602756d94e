import Foundation
import Testing

/// A real client (skopeo) pulls real images through Stowage from a real registry (distribution)
/// that requires a license-style Basic login.
@Suite(.serialized) struct PullThroughTests {
    @Test(arguments: ["app/docker-v2", "app/oci", "app/multi", "charts/mychart"])
    func skopeoPullsEachImageThroughStowageAndTheSecondPullFetchesNoBlob(_ repository: String) async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named(repository)
        let isIndex = image.children != nil
        let expected = image.blobs.map(\.digest) + (isIndex ? image.children!.map(\.digest) : [])

        let cold = try Skopeo.pull(stowage.host, "\(repository):\(image.tag)", all: isIndex)
        #expect(try Skopeo.verify(cold, expecting: expected) == [])

        let upstreamBlobGETs = try upstream.blobGETs().count
        let warm = try Skopeo.pull(stowage.host, "\(repository):\(image.tag)", all: isIndex)
        #expect(try Skopeo.verify(warm, expecting: expected) == [])
        #expect(try upstream.blobGETs().count == upstreamBlobGETs, "a warm pull must not fetch blobs from the upstream")
    }

    @Test func aRestartedStowageServesCachedBlobsWithoutTheUpstream() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let image = upstream.images.named("app/oci")
        let first = try await StowageServer.start(upstream: upstream.url)
        try Skopeo.pull(first.host, "app/oci:1.0")
        await first.stop()

        let before = try upstream.blobGETs().count
        let second = try await StowageServer.start(upstream: upstream.url, storage: first.storage)
        defer { Task { await second.stop() } }
        for blob in image.blobs {
            let result = try await HTTP.get("\(second.url)/v2/app/oci/blobs/\(blob.digest)")
            #expect(result.status == 200)
            #expect(result.body.count == Int(blob.size))
        }
        #expect(try upstream.blobGETs().count == before)
    }

    @Test func theBaseEndpointAnswersWithTheAPIVersion() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/")
        #expect(result.status == 200)
        #expect(result.header("Docker-Distribution-API-Version") == "registry/2.0")
        #expect(result.text == "{}")
    }

    @Test func manifestResponsesCarryExactTypeLengthDigestAndETag() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/docker-v2")
        for reference in [image.tag, image.digest] {
            let url = "\(stowage.url)/v2/app/docker-v2/manifests/\(reference)"
            let get = try await HTTP.get(url, headers: [acceptAll])
            #expect(get.status == 200)
            #expect(get.header("Content-Type") == "application/vnd.docker.distribution.manifest.v2+json")
            #expect(get.header("Content-Length") == "\(image.size)")
            #expect(get.header("Docker-Content-Digest") == image.digest)
            #expect(get.header("ETag") == "\"\(image.digest)\"")
            #expect(get.body.count == Int(image.size))

            let head = try await HTTP.head(url, headers: [acceptAll])
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "\(image.size)")
            #expect(head.header("Docker-Content-Digest") == image.digest)
            #expect(head.body.isEmpty)
        }
    }

    @Test func anIndexIsServedByteExactAndItsChildrenByDigest() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let index = upstream.images.named("app/multi")
        let result = try await HTTP.get("\(stowage.url)/v2/app/multi/manifests/1.0", headers: [acceptAll])
        #expect(result.header("Content-Type") == "application/vnd.oci.image.index.v1+json")
        #expect(result.header("Docker-Content-Digest") == index.digest)
        for child in index.children ?? [] {
            let childResult = try await HTTP.get("\(stowage.url)/v2/app/multi/manifests/\(child.digest)", headers: [acceptAll])
            #expect(childResult.status == 200)
            #expect(childResult.header("Docker-Content-Digest") == child.digest)
        }
    }

    @Test func aClientThatCannotAcceptTheManifestTypeGetsManifestUnknown() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/app/multi/manifests/1.0", headers: [("Accept", "application/vnd.docker.distribution.manifest.v2+json")])
        #expect(result.status == 404)
        #expect(result.errorCode == "MANIFEST_UNKNOWN")
    }

    @Test func blobHitsHonourByteRanges() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let blob = upstream.images.named("app/oci").blobs.max { $0.size < $1.size }!
        let url = "\(stowage.url)/v2/app/oci/blobs/\(blob.digest)"
        let whole = try await HTTP.get(url)
        #expect(whole.status == 200)
        #expect(whole.header("Accept-Ranges") == "bytes")

        let part = try await HTTP.get(url, headers: [("Range", "bytes=10-19")])
        #expect(part.status == 206)
        #expect(part.header("Content-Range") == "bytes 10-19/\(blob.size)")
        #expect(part.body == Array(whole.body[10...19]))

        let suffix = try await HTTP.get(url, headers: [("Range", "bytes=-5")])
        #expect(suffix.body == Array(whole.body.suffix(5)))

        let outside = try await HTTP.get(url, headers: [("Range", "bytes=\(blob.size)-")])
        #expect(outside.status == 416)
        #expect(outside.header("Content-Range") == "bytes */\(blob.size)")
    }

    @Test func blobHeadGivesTheRealLengthAndNoBody() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let blob = upstream.images.named("app/oci").blobs[0]
        for _ in 0..<2 {  // a miss, then a hit
            let head = try await HTTP.head("\(stowage.url)/v2/app/oci/blobs/\(blob.digest)")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "\(blob.size)")
            #expect(head.header("Docker-Content-Digest") == blob.digest)
            #expect(head.body.isEmpty)
        }
    }

    @Test func tagsListComesFromTheUpstreamWithLinkPointingAtStowage() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let all = try await HTTP.get("\(stowage.url)/v2/app/oci/tags/list")
        #expect(all.status == 200)
        #expect(all.text == #"{"name":"app/oci","tags":["1.0"]}"#)

        let page = try await HTTP.get("\(stowage.url)/v2/app/multi/tags/list?n=1")
        #expect(page.status == 200)
        if let link = page.header("Link") {
            #expect(link.hasPrefix("</v2/app/multi/tags/list?"))
            #expect(link.hasSuffix(">; rel=\"next\""))
        }
    }

    @Test func aRepositoryPrefixMapsClientNamesOntoTheUpstreamPath() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: ["--upstream-prefix", "app"])
        defer { Task { await stowage.stop() } }
        let image = upstream.images.named("app/oci")
        let dir = try Skopeo.pull(stowage.host, "oci:1.0")
        #expect(try Skopeo.verify(dir, expecting: image.blobs.map(\.digest)) == [])
        let tags = try await HTTP.get("\(stowage.url)/v2/oci/tags/list")
        #expect(tags.text.contains(#""name":"oci""#))
    }
}
