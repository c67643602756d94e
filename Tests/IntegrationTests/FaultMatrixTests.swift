import Foundation
import NIOHTTP1
import Testing

/// The fault matrix (issue 20, item 8): each fault the fake upstream can inject, met by a request in
/// each state the cache can be in. One image (flip/app:1.0) is cached whole while the upstream is
/// healthy; then the fault is turned on and five requests are made: the cached tag (revalidated on
/// every request: tag TTL 0 s), an uncached tag, an uncached manifest by digest, a cached blob and
/// an uncached blob. What each must answer is the table in `expected`: cached content is always
/// served (stale tags with a Warning), an upstream's refusal keeps its meaning, a body that went
/// wrong is cut, never passed off as whole, and nothing is answered later than a few seconds.
@Suite struct FaultMatrixTests {
    enum Fault: String, CaseIterable, Sendable {
        case stopped, hang, ratelimited, failing, refusing, dropped, corrupt, slow, stalled
    }

    enum Cell: String, CaseIterable, Sendable {
        case tagCached, tagUncached, digestUncached, blobCached, blobUncached
    }

    enum Outcome: Hashable, Sendable, CustomStringConvertible {
        /// 200 with exactly the content's bytes.
        case whole
        /// 200 with exactly the content's bytes and a Warning that the upstream could not confirm it.
        case stale
        /// An OCI error: its status and code.
        case refused(Int, String)
        /// The body ended before the bytes announced, or the connection closed without an answer.
        case cut

        var description: String {
            switch self {
            case .whole: "whole"
            case .stale: "stale"
            case .refused(let status, let code): "\(status) \(code)"
            case .cut: "cut"
            }
        }
    }

    /// The answers each cell may get. A blob body that goes wrong is cut short once its first
    /// bytes have gone out, or answered 502 when none had (the head goes out with the first byte).
    static func expected(_ fault: Fault) -> [Cell: Set<Outcome>] {
        let cachedServed: [Cell: Set<Outcome>] = [.tagCached: [.stale], .blobCached: [.whole]]
        func failing(_ status: Int, _ code: String) -> [Cell: Set<Outcome>] {
            cachedServed.merging([.tagUncached: [.refused(status, code)], .digestUncached: [.refused(status, code)],
                                  .blobUncached: [.refused(status, code)]]) { $1 }
        }
        let manifestsHealthy: [Cell: Set<Outcome>] = [.tagCached: [.whole], .tagUncached: [.whole], .digestUncached: [.whole], .blobCached: [.whole]]
        let broken: Set<Outcome> = [.cut, .refused(502, "UNKNOWN")]
        switch fault {
        case .stopped, .hang: return failing(503, "UNAVAILABLE")
        case .ratelimited: return failing(429, "TOOMANYREQUESTS")
        case .failing: return failing(502, "UNKNOWN")
        case .refusing: return failing(401, "UNAUTHORIZED")
        case .dropped, .stalled: return manifestsHealthy.merging([.blobUncached: broken]) { $1 }
        case .corrupt:
            return [.tagCached: [.whole], .tagUncached: [.refused(502, "UNKNOWN")], .digestUncached: [.refused(502, "UNKNOWN")],
                    .blobCached: [.whole], .blobUncached: broken]
        case .slow: return manifestsHealthy.merging([.blobUncached: [.whole]]) { $1 }
        }
    }

    @Test(arguments: Fault.allCases)
    func eachStateOfTheCacheAnswersAsTheMatrixSays(_ fault: Fault) async throws {
        let upstream = try await FaultyUpstream.start(extra: ["--slow-seconds", "2"])
        let stowage = try await StowageServer.start(upstream: upstream.url, extra: [
            "--tag-ttl", "0s", "--response-timeout", "1s", "--stall-timeout", "1s", "--upstream-name", "flaky"])
        let cached = upstream.image("flip/app", tag: "1.0"), uncached = upstream.image("flip/app", tag: "2.0")
        let base = "\(stowage.url)/v2/flip/app"
        #expect(try await Self.outcome(of: "\(base)/manifests/1.0", digest: cached.digest) == .whole)
        for blob in cached.blobs {
            #expect(try await Self.outcome(of: "\(base)/blobs/\(blob.digest)", digest: blob.digest) == .whole)
        }

        if fault == .stopped { await upstream.stop() } else { try await upstream.setFlipFault(fault.rawValue) }
        let layer = uncached.blobs.max { $0.size < $1.size }!
        let requests: [(Cell, String, String)] = [
            (.tagCached, "manifests/1.0", cached.digest),
            (.tagUncached, "manifests/2.0", uncached.digest),
            (.digestUncached, "manifests/\(uncached.digest)", uncached.digest),
            (.blobCached, "blobs/\(cached.blobs[0].digest)", cached.blobs[0].digest),
            (.blobUncached, "blobs/\(layer.digest)", layer.digest),
        ]
        let expected = Self.expected(fault)
        for (cell, path, digest) in requests {
            let asked = ContinuousClock.now
            let outcome = try await Self.outcome(of: "\(base)/\(path)", digest: digest)
            let took = ContinuousClock.now - asked
            #expect(expected[cell]?.contains(outcome) == true, "\(fault) × \(cell): \(outcome), took \(took)")
            #expect(took < .seconds(5), "\(fault) × \(cell) answered after \(took)")
        }

        await stowage.stop()
        if fault != .stopped { await upstream.stop() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: stowage.storage + "/ingest").isEmpty, "\(fault): nothing left half-written")
        let verify = try StowageCLI.run(["verify"], storage: stowage.storage)
        #expect(verify.status == 0, "\(fault): \(verify.output)")
    }

    /// What a GET of `url` came to, its bytes checked against `digest`; a 429 or 503 must say when
    /// to retry.
    static func outcome(of url: String, digest: String) async throws -> Outcome {
        let result: HTTPResult
        do {
            result = try await HTTP.request(.GET, url, headers: [acceptAll], timeout: .seconds(30))
        } catch {
            return .cut
        }
        guard result.status == 200 else {
            if result.status == 429 || result.status == 503 {
                #expect(result.header("Retry-After") != nil, "\(result.status) for \(url) without Retry-After")
            }
            return .refused(result.status, result.errorCode ?? "no OCI error")
        }
        if let length = result.header("Content-Length").flatMap(Int.init), length != result.body.count { return .cut }
        guard sha256(result.body) == digest else { return .cut }
        return result.header("Warning") != nil ? .stale : .whole
    }
}
