import Foundation
import NIOHTTP1
import Testing

/// Every failure reaches the client as an OCI error that keeps its meaning.
@Suite struct ErrorTests {
    @Test func wrongUpstreamCredentialsAreUnauthorizedNamingTheUpstream() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url, credentials: false,
                                                    extra: ["--upstream-name", "license-proxy", "--upstream-username", "customer@example.com", "--upstream-password-env", "HOME"])
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(result.status == 401)
        #expect(result.errorCode == "UNAUTHORIZED")
        #expect(result.text.contains("upstream license-proxy refused"))
    }

    @Test func anUnknownRepositoryIsNameUnknown() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/no/such-repo/manifests/1.0", headers: [acceptAll])
        #expect(result.status == 404)
        #expect(result.errorCode == "NAME_UNKNOWN" || result.errorCode == "MANIFEST_UNKNOWN")
    }

    @Test func anUnknownTagIsManifestUnknown() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/no-such-tag", headers: [acceptAll])
        #expect(result.status == 404)
        #expect(result.errorCode == "MANIFEST_UNKNOWN")
    }

    @Test func anUnknownBlobIsBlobUnknown() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/app/oci/blobs/sha256:\(String(repeating: "0", count: 64))")
        #expect(result.status == 404)
        #expect(result.errorCode == "BLOB_UNKNOWN")
    }

    @Test(arguments: [
        ("/v2/Bad_Name/manifests/1.0", "NAME_INVALID"),
        ("/v2/a//b/manifests/1.0", "NAME_INVALID"),
        ("/v2/app/oci/manifests/sha256:abc", "DIGEST_INVALID"),
        ("/v2/app/oci/blobs/sha256:ABCDEF", "DIGEST_INVALID"),
        ("/v2/app/oci/blobs/not-a-digest", "DIGEST_INVALID"),
    ])
    func malformedRequestsAreBadRequests(_ path: String, _ code: String) async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get(stowage.url + path)
        #expect(result.status == 400)
        #expect(result.errorCode == code)
        #expect(result.header("Content-Type") == "application/json")
    }

    /// The distribution spec answers a manifest that is not found with 404 only; `TAG_INVALID` is
    /// a legacy code clients must not rely on.
    @Test(arguments: ["-bad-tag", ".INVALID_MANIFEST_NAME"])
    func aTagThatCannotExistIsManifestUnknown(_ tag: String) async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/\(tag)")
        #expect(result.status == 404)
        #expect(result.errorCode == "MANIFEST_UNKNOWN")
        #expect(try await HTTP.head("\(stowage.url)/v2/app/oci/manifests/\(tag)").status == 404)
    }

    @Test(arguments: ["PUT", "POST", "PATCH", "DELETE"])
    func pushVerbsAreUnsupported(_ method: String) async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        let result = try await HTTP.request(.init(rawValue: method), "\(stowage.url)/v2/app/oci/manifests/1.0")
        #expect(result.status == 405)
        #expect(result.errorCode == "UNSUPPORTED")
        let upload = try await HTTP.request(.POST, "\(stowage.url)/v2/app/oci/blobs/uploads/")
        #expect(upload.status == 405)
    }

    @Test func anUnknownPathIsNotFound() async throws {
        let stowage = try await StowageServer.start(upstream: try await Fixtures.basicUpstream().url)
        defer { Task { await stowage.stop() } }
        #expect(try await HTTP.get("\(stowage.url)/v1/search").status == 404)
    }

    @Test func anUnreachableUpstreamIsServiceUnavailableNamingItWithinTheTimeout() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let closedPort = try freeLoopbackPort()
        let stowage = try await StowageServer.start(upstream: "http://127.0.0.1:\(closedPort)", extra: ["--upstream-name", "vendor-proxy", "--connect-timeout", "2s"])
        defer { Task { await stowage.stop() } }
        let started = ContinuousClock.now
        let result = try await HTTP.get("\(stowage.url)/v2/app/oci/manifests/1.0", headers: [acceptAll])
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(result.status == 503)
        #expect(result.text.contains("vendor-proxy"))
    }

    @Test func aHungUpstreamIsAnsweredWithinTheResponseTimeout() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url, extra: ["--upstream-name", "hung-proxy", "--response-timeout", "1s"])
        defer { Task { await stowage.stop() } }
        let started = ContinuousClock.now
        let result = try await HTTP.get("\(stowage.url)/v2/hang/app/manifests/1.0", headers: [acceptAll])
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(result.status == 503)
        #expect(result.text.contains("hung-proxy"))
    }

    @Test func anUpstream429KeepsItsRetryAfter() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let image = faulty.image("ratelimited/app")
        for path in ["manifests/1.0", "blobs/\(image.blobs[0].digest)"] {
            let result = try await HTTP.get("\(stowage.url)/v2/ratelimited/app/\(path)", headers: [acceptAll])
            #expect(result.status == 429)
            #expect(result.errorCode == "TOOMANYREQUESTS")
            #expect(result.header("Retry-After") == "17")
        }
    }

    @Test func aBlobWhoseBytesDoNotMatchItsDigestIsNeverCommitted() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let blob = faulty.image("corrupt/app").blobs[0]
        let url = "\(stowage.url)/v2/corrupt/app/blobs/\(blob.digest)"
        for attempt in 1...2 {
            // The client never gets the whole (wrong) body: the connection is cut short, or, when
            // nothing was sent before the verification failed, the answer is a 502.
            let result = try? await HTTP.get(url)
            #expect(result == nil || result!.status == 502 || result!.body.count < Int(blob.size), "attempt \(attempt)")
        }
        // Nothing was committed, so each attempt went to the upstream again.
        #expect(try await faulty.fetches(containing: "/v2/corrupt/app/blobs/\(blob.digest)") >= 2)
        #expect(!FileManager.default.fileExists(atPath: "\(stowage.storage)/blobs/sha256/\(blob.digest.dropFirst(7).prefix(2))/\(blob.digest.dropFirst(7))"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: stowage.storage + "/ingest").isEmpty)
    }

    @Test func aBodyDroppedMidwayIsNotCommittedAndTheNextRequestFetchesAgain() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let blob = faulty.image("dropped/app").blobs[0]
        let before = try await faulty.fetches(containing: "/v2/dropped/app/blobs/")
        let first = try? await HTTP.get("\(stowage.url)/v2/dropped/app/blobs/\(blob.digest)")
        #expect(first == nil || first!.body.count < Int(blob.size))
        _ = try? await HTTP.get("\(stowage.url)/v2/dropped/app/blobs/\(blob.digest)")
        #expect(try await faulty.fetches(containing: "/v2/dropped/app/blobs/") - before == 2)
    }

    /// An upstream that sends a blob's headers and closes before its first byte: nothing of the
    /// response has gone out, so the client gets an OCI error it can read (not a bare disconnect),
    /// on a connection it can go on using.
    @Test func aBlobBodyThatBreaksOffBeforeItsFirstByteIsA502SayingSo() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let blob = faulty.image("truncated/app").blobs.max { $0.size < $1.size }!
        let result = try await HTTP.get("\(stowage.url)/v2/truncated/app/blobs/\(blob.digest)")
        #expect(result.status == 502)
        #expect(result.errorCode == "UNKNOWN")
        #expect(result.text.contains("failed before its first byte"), "\(result.text)")
        #expect(result.header("Connection") != "close")
        #expect(try FileManager.default.contentsOfDirectory(atPath: stowage.storage + "/ingest").isEmpty)
    }

    @Test func aStalledBodyIsGivenUpAfterTheStallTimeoutAndTheRetryFetchesAgain() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url, extra: ["--stall-timeout", "1s"])
        defer { Task { await stowage.stop() } }
        let blob = faulty.image("stalled/app").blobs.max { $0.size < $1.size }!
        let before = try await faulty.fetches(containing: "/v2/stalled/app/blobs/")
        let asked = ContinuousClock.now
        let first = try? await HTTP.request(.GET, "\(stowage.url)/v2/stalled/app/blobs/\(blob.digest)", timeout: .seconds(30))
        let cutAfter = ContinuousClock.now - asked
        #expect(first == nil || first!.body.count < Int(blob.size), "a stalled body is never passed off as whole")
        #expect(cutAfter < .seconds(4), "the client was cut after \(cutAfter), not held for the 60 s read timeout")
        // The retry is a fetch of its own, not the stalled one joined.
        let retried = ContinuousClock.now
        _ = try? await HTTP.request(.GET, "\(stowage.url)/v2/stalled/app/blobs/\(blob.digest)", timeout: .seconds(30))
        #expect(ContinuousClock.now - retried < .seconds(4))
        #expect(try await faulty.fetches(containing: "/v2/stalled/app/blobs/") - before == 2)
        #expect(stowage.log().contains("blob fetch given up"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: stowage.storage + "/ingest").isEmpty)
    }

    @Test func redirectedBlobsNeverCarryTheUpstreamAuthorizationToAnotherHost() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let blob = faulty.image("redirect/app").blobs[0]
        let result = try await HTTP.get("\(stowage.url)/v2/redirect/app/blobs/\(blob.digest)")
        #expect(result.status == 200)
        #expect(result.body.count == Int(blob.size))
        let hops = try await faulty.requests(containing: "/blobdata/")
        #expect(!hops.isEmpty)
        #expect(hops.allSatisfy { !$0.authorization })
    }
}

/// A loopback port that was free a moment ago and has nothing listening now.
func freeLoopbackPort() throws -> Int {
    let output = try run("/usr/bin/env", ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()"])
    guard let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw HarnessError("no free port") }
    return port
}
